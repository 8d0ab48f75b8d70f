package com.example.words;

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
}
