package io.fastworker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.execution.Attempt;
import io.fastworker.execution.AttemptRunner;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A cancel that reaches the attempt runner after an attempt was handed over and before its body started (queued for
 * a thread on a busy machine): a CI run lost one, and the body ran its whole 8 s.
 */
@QuarkusTest
class CancelBeforeStartTest {

    @Inject
    AttemptRunner runner;

    @Inject
    ObjectMapper json;

    private Attempt sleep(String id, long ms) {
        return new Attempt(id, "sleep", "normal", 1, 1, json.createArrayNode().add(ms), json.createObjectNode(),
                Duration.ofSeconds(60), Map.of());
    }

    @Test
    void aStopAskedBeforeTheBodyStartsIsKeptAndTheBodyStartsStopped() {
        Attempt a = sleep("cancel-before-start", 10_000);
        runner.handOver(a, Runnable::run, () -> {}); // queued: its body not started yet
        assertTrue(runner.stop(a.taskId(), a.number()), "known here: handed over");
        AtomicReference<Outcome> outcome = new AtomicReference<>();
        long started = System.nanoTime();
        runner.run(a, "test", outcome::set, (fraction, message) -> {});
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMs < 5_000, "the body started stopped, not after its 10 s: " + tookMs);
        assertEquals(TaskError.CANCELLED, outcome.get().error().type(), outcome.get().toString());
    }

    @Test
    void anAttemptTheExecutorRefusesLeavesNothingKept() {
        Attempt a = sleep("refused", 10);
        ExecutorService shut = Executors.newSingleThreadExecutor();
        shut.shutdown();
        assertThrows(RejectedExecutionException.class, () -> runner.handOver(a, shut, () -> {}));
        assertFalse(runner.stop(a.taskId(), a.number()), "nothing is kept for an attempt that never ran here");
    }

    @Test
    void aStopForAnAttemptNeverHandedOverIsNotKept() {
        assertFalse(runner.stop("never-handed-over", 1), "not known here");
        Attempt a = sleep("never-handed-over", 10);
        AtomicReference<Outcome> outcome = new AtomicReference<>();
        runner.run(a, "test", outcome::set, (fraction, message) -> {});
        assertTrue(outcome.get().ok(), "it runs as if never asked: " + outcome.get());
    }
}
