package io.fastworker.engine;

import io.fastworker.execution.DaemonThreads;
import io.fastworker.health.Pulse;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The engine's one timer thread ({@code fastworker-timers}): due tasks, retries after their backoff, and the
 * sweeps of what has expired. What it runs must be short and never block.
 */
@ApplicationScoped
class Timers {

    private final Pulse pulse = new Pulse("timers");
    private volatile ScheduledThreadPoolExecutor executor;

    void start() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("fastworker-timers"));
        e.setRemoveOnCancelPolicy(true); // a cancelled task's timer (up to a year ahead) is freed at once
        e.scheduleAtFixedRate(pulse::beat, 1, 1, TimeUnit.SECONDS);
        executor = e;
    }

    /** Runs {@code action} once after {@code delay}. */
    Future<?> after(Duration delay, Runnable action) {
        return executor.schedule(action, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs {@code action} every {@code period}, the first time one period from now. */
    void every(Duration period, Runnable action) {
        executor.scheduleWithFixedDelay(action, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether it runs (started and not stopped). */
    boolean running() {
        ScheduledThreadPoolExecutor e = executor;
        return e != null && !e.isShutdown();
    }

    /** What is wrong with the thread at {@code now} (nanoTime), or null while it keeps up. */
    String problem(long now, long stallNanos) {
        return pulse.problem(now, stallNanos);
    }

    void stop() {
        ScheduledThreadPoolExecutor e = executor;
        if (e != null) {
            e.shutdownNow();
        }
    }
}
