package io.fastworker.execution;

import io.fastworker.task.TaskContext;
import io.fastworker.telemetry.TaskMetrics;
import io.fastworker.telemetry.Tracing;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs one attempt of a task body on the calling thread, the same way wherever it runs (the control plane's own
 * executor or a subworker).
 *
 * <p>Guarantees: the outcome is reported exactly once, through {@code report}: when the body returns, or at the
 * attempt's timeout (type {@code timeout}) if that comes first; the body's thread is then interrupted, and
 * {@link #run} returns only when the body has actually returned, so a slot is never reused while a body still runs.
 * Whatever the body throws becomes a failure of that attempt (type {@code task_error} with the exception class);
 * it never escapes to the calling thread. The attempt runs in its {@code fastworker.task.execute} span.
 */
@ApplicationScoped
public class AttemptRunner {

    @Inject
    TaskRegistry registry;

    @Inject
    Tracing tracing;

    @Inject
    TaskMetrics metrics;

    private final AtomicInteger inFlight = new AtomicInteger();
    private final ScheduledThreadPoolExecutor watchdogs = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "fastworker-watchdog");
        t.setDaemon(true);
        return t;
    });

    AttemptRunner() {
        watchdogs.setRemoveOnCancelPolicy(true); // a cancelled 7-day watchdog must not stay queued for 7 days
    }

    @PreDestroy
    void stop() {
        watchdogs.shutdownNow();
    }

    /** Attempts running in this process now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** What the attempt's slot is doing: the watchdog and the body's end race for who reports. */
    private static final class Race {
        private final Thread body;
        private boolean settled;

        Race(Thread body) {
            this.body = body;
        }

        /** Claims the report for the timeout and interrupts the body; false if the body ended first. */
        synchronized boolean timeOut() {
            if (settled) {
                return false;
            }
            settled = true;
            body.interrupt();
            return true;
        }

        /** Claims the report for the body's end; false if the timeout already reported. */
        synchronized boolean end() {
            if (settled) {
                return false;
            }
            settled = true;
            return true;
        }
    }

    /**
     * Runs {@code attempt} as {@code workerId}, reporting its outcome once through {@code report} (which must not
     * block for long: it may run on the watchdog thread). Returns when the body has returned.
     */
    public void run(Attempt attempt, String workerId, Consumer<Outcome> report) {
        Race race = new Race(Thread.currentThread());
        long started = System.nanoTime();
        inFlight.incrementAndGet();
        ScheduledFuture<?> watchdog = watchdogs.schedule(() -> {
            if (race.timeOut()) {
                Outcome timedOut = Outcome.failure(TaskError.of(TaskError.TIMEOUT, "attempt " + attempt.number()
                        + " ran longer than its timeout of " + attempt.timeout()));
                done(attempt, workerId, timedOut, started, report);
            }
        }, attempt.timeout().toNanos(), TimeUnit.NANOSECONDS);
        Outcome outcome;
        try (Tracing.Execution execution = tracing.startExecute(attempt.trace(), attributes(attempt), workerId)) {
            outcome = invoke(attempt);
            if (outcome.ok()) {
                execution.succeeded();
            } else {
                execution.failed(outcome.error().type(), outcome.error().exception());
            }
        } finally {
            watchdog.cancel(false);
            inFlight.decrementAndGet();
        }
        boolean mine = race.end();
        Thread.interrupted(); // a timeout interrupt that arrived after the body returned must not hit the next one
        if (mine) {
            done(attempt, workerId, outcome, started, report);
        }
    }

    private Outcome invoke(Attempt a) {
        try {
            return Outcome.success(registry.invoke(a.task(), a.args(), a.kwargs(),
                    new TaskContext(a.taskId(), a.task(), a.number(), a.maxAttempts())));
        } catch (AttemptFailure e) {
            return Outcome.failure(e.error());
        } catch (InterruptedException e) {
            return Outcome.failure(TaskError.of(TaskError.SHUTDOWN, "the process stopped while the attempt ran"));
        } catch (Throwable e) { // a task body must not take its executor thread down with it
            return Outcome.failure(new TaskError(TaskError.TASK_ERROR,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e.getClass().getName()));
        }
    }

    private void done(Attempt a, String workerId, Outcome outcome, long startedNanos, Consumer<Outcome> report) {
        metrics.attemptEnded(workerId, a.task(), outcome.ok() ? "success" : outcome.error().type(),
                Duration.ofNanos(System.nanoTime() - startedNanos));
        report.accept(outcome);
    }

    private static Tracing.TaskAttributes attributes(Attempt a) {
        return new Tracing.TaskAttributes(a.taskId(), a.task(), a.priority(), a.number(), a.maxAttempts());
    }
}
