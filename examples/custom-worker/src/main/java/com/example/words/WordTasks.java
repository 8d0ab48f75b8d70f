package com.example.words;

import io.fastworker.task.Priority;
import io.fastworker.task.Task;
import io.fastworker.task.TaskFailureException;
import jakarta.enterprise.context.ApplicationScoped;

/** This team's tasks. Run the application with --role subworker next to a stock control plane. */
@ApplicationScoped
public class WordTasks {

    /** How many whitespace-separated words {@code text} has. */
    @Task(name = "word_count", timeout = "10s", maxConcurrency = 4)
    public int wordCount(String text) throws TaskFailureException {
        if (text == null) {
            throw TaskFailureException.nonRetryable("text must not be null");
        }
        String trimmed = text.strip();
        return trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    }

    /**
     * How many vowels {@code text} has, after pretending to work for {@code ms} milliseconds. Its options are its
     * own: the control plane takes them from this subworker's join.
     */
    @Task(name = "slow_vowels", timeout = "1s", maxRetries = 2, retryDelay = "100ms", priority = Priority.HIGH)
    public long slowVowels(String text, long ms) throws InterruptedException {
        Thread.sleep(ms);
        return text.chars().filter(c -> "aeiouAEIOU".indexOf(c) >= 0).count();
    }
}
