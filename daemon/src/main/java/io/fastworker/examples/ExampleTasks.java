package io.fastworker.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.task.Task;
import io.fastworker.task.TaskContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Tasks shipped in the stock binary, for trying FastWorker out, for tests and for benchmarks. */
@ApplicationScoped
public class ExampleTasks {

    private static final Logger LOG = Logger.getLogger(ExampleTasks.class);

    /** Simulated mail latency of {@code send_welcome_email}. */
    @ConfigProperty(name = "fastworker.examples.welcome-email-delay", defaultValue = "PT0.005S")
    Duration welcomeEmailDelay;

    @Task
    public long add(long x, long y) {
        return Math.addExact(x, y);
    }

    @Task
    public JsonNode echo(JsonNode value) {
        return value;
    }

    /** {@code text} repeated {@code times} times: a result much bigger than its arguments. */
    @Task
    public String repeat(String text, int times) {
        if (times < 0 || (long) text.length() * times > 64L << 20) {
            throw new IllegalArgumentException("times must be from 0 to a result of at most 64 MiB, got " + times);
        }
        return text.repeat(times);
    }

    @Task
    public long sleep(long ms) throws InterruptedException {
        if (ms < 0) {
            throw new IllegalArgumentException("ms must not be negative, got " + ms);
        }
        Thread.sleep(ms);
        return ms;
    }

    /**
     * Works through {@code steps} steps of {@code stepMs} each, reporting its progress after each (as a long job
     * would: {@code GET /tasks/{id}} shows it while it runs); returns the steps done.
     */
    @Task
    public int steps(int steps, long stepMs) throws InterruptedException {
        if (steps < 1 || stepMs < 0) {
            throw new IllegalArgumentException("steps must be 1 or more and stepMs not negative, got " + steps + " and "
                    + stepMs);
        }
        TaskContext task = TaskContext.current();
        for (int i = 1; i <= steps; i++) {
            Thread.sleep(stepMs);
            task.progress((double) i / steps, "step " + i + " of " + steps);
        }
        return steps;
    }

    /**
     * Keeps a CPU busy for {@code ms} milliseconds, heedless of interrupts and cancels (as a body stuck in a native
     * call or a tight loop would be); returns the loops it made.
     */
    @Task
    public long spin(long ms) {
        if (ms < 0) {
            throw new IllegalArgumentException("ms must not be negative, got " + ms);
        }
        long end = System.nanoTime() + ms * 1_000_000;
        long loops = 0;
        while (System.nanoTime() - end < 0) {
            loops++;
        }
        return loops;
    }

    @Task
    public void fail(String message) {
        throw new IllegalStateException(message);
    }

    @Task
    public void noop() {
        // Nothing: measures FastWorker's own cost per task.
    }

    /** Simulates sending a welcome mail; the delay is {@code fastworker.examples.welcome-email-delay}. */
    @Task(name = "send_welcome_email")
    public Map<String, Object> sendWelcomeEmail(JsonNode user_id) throws InterruptedException {
        Thread.sleep(welcomeEmailDelay.toMillis());
        TaskContext task = TaskContext.current();
        LOG.infof("Task(id=%s, name='%s', attempt=%d/%d) welcome e-mail sent", task.taskId(), task.taskName(),
                task.attempt(), task.maxAttempts()); // the address is an argument: it stays out of the log
        return Map.of("user_id", user_id, "sent", true);
    }
}
