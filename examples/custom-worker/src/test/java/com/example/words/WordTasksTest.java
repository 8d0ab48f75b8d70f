package com.example.words;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastworker.engine.TaskView;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import io.fastworker.submission.InvalidSubmissionException;
import io.fastworker.testing.FastWorkerTest;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** This team's tasks, run by the real engine in the test's own process: no control plane to start beside it. */
@QuarkusTest
class WordTasksTest {

    @Inject
    FastWorkerTest fastworker;

    @Test
    void countsWords() {
        assertEquals(4, fastworker.call(Integer.class, "word_count", "the quick brown fox"));
        assertEquals(0, fastworker.call(Integer.class, "word_count", "   "));
    }

    @Test
    void aMissingTextFailsForGoodWithoutARetry() {
        TaskView done = fastworker.awaitResult(fastworker.submit("word_count", (Object) null));
        assertEquals(TaskState.FAILURE, done.status());
        assertEquals(Boolean.TRUE, done.error().nonRetryable());
        assertEquals("text must not be null", done.error().message());
        assertEquals(1, done.attempts());
    }

    @Test
    void argumentsThatDoNotFitAreRefusedAtSubmission() {
        InvalidSubmissionException e = assertThrows(InvalidSubmissionException.class,
                () -> fastworker.submit("word_count", "one", "two"));
        assertTrue(e.getMessage().contains("word_count"), e.getMessage());
    }

    @Test
    void aSlowBodyTimesOutAndItsRetriesToo() {
        // slow_vowels: timeout 1s, maxRetries 2 (its @Task options apply here as on a control plane)
        TaskView done = fastworker.awaitResult(fastworker.submit("slow_vowels", "aeiou", 1500));
        assertEquals(TaskState.FAILURE, done.status());
        assertEquals(TaskError.TIMEOUT, done.error().type());
        assertEquals(3, done.attempts());
        assertEquals(2, fastworker.call(Long.class, "slow_vowels", "the fox", 10));
    }
}
