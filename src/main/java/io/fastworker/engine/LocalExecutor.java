package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.task.TaskContext;
import io.fastworker.task.TaskError;
import io.fastworker.task.TaskFailureException;
import io.fastworker.task.TaskRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Runs tasks inside the control plane on {@code fastworker.concurrency} dedicated threads (never an event loop).
 * Each thread takes the highest-priority ready task only when it is free, so priority order holds at dispatch
 * time. An attempt that outlives its timeout is reported as failed with type {@code timeout} at once and its
 * thread is interrupted; the slot stays busy until the body actually returns, so concurrency is never exceeded.
 */
@ApplicationScoped
public class LocalExecutor {

    private static final Logger LOG = Logger.getLogger(LocalExecutor.class);

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskRegistry registry;

    private final List<Slot> slots = new ArrayList<>();
    private final AtomicLong completed = new AtomicLong();
    private volatile boolean running;
    private TaskEngine engine;

    /** What one executor thread is doing, guarded so a timeout interrupts only the attempt it belongs to. */
    private static final class Slot {
        private Thread thread;
        private TaskRecord current;
        private int attempt;

        synchronized void set(TaskRecord r, int a) {
            current = r;
            attempt = a;
        }

        synchronized void interruptIf(TaskRecord r, int a) {
            if (current == r && attempt == a) {
                thread.interrupt();
            }
        }

        synchronized boolean busy() {
            return current != null;
        }
    }

    void start(TaskEngine owner) {
        this.engine = owner;
        running = true;
        for (int i = 0; i < config.concurrency(); i++) {
            Slot slot = new Slot();
            slot.thread = new Thread(() -> loop(slot), "fastworker-exec-" + i);
            slot.thread.setDaemon(true);
            slots.add(slot);
            slot.thread.start();
        }
    }

    void stop() {
        running = false;
        slots.forEach(s -> s.thread.interrupt());
        for (Slot s : slots) {
            try {
                s.thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The id this executor reports in results. */
    public String workerId() {
        return config.workerId();
    }

    public int concurrency() {
        return config.concurrency();
    }

    public int inFlight() {
        return (int) slots.stream().filter(Slot::busy).count();
    }

    public long completed() {
        return completed.get();
    }

    private void loop(Slot slot) {
        while (running) {
            TaskRecord r;
            try {
                r = engine.nextReady(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            if (r != null) {
                runAttempt(slot, r);
            }
        }
    }

    private void runAttempt(Slot slot, TaskRecord r) {
        int attempt = r.start(config.workerId(), engine.now());
        if (attempt == 0) {
            return; // cancelled while queued
        }
        Duration timeout = r.spec.options().timeout();
        slot.set(r, attempt);
        ScheduledFuture<?> watchdog = engine.timers().schedule(() -> {
            engine.attemptEnded(r, attempt, null, TaskError.of(TaskError.TIMEOUT,
                    "attempt " + attempt + " ran longer than its timeout of " + timeout));
            slot.interruptIf(r, attempt);
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        JsonNode result = null;
        TaskError error = null;
        Instant started = engine.now();
        try {
            result = registry.invoke(r.spec.name(), r.spec.args(), r.spec.kwargs(),
                    new TaskContext(r.id(), r.spec.name(), attempt, r.spec.options().maxAttempts()));
        } catch (TaskFailureException e) {
            error = e.error();
        } catch (InterruptedException e) {
            error = TaskError.of(running ? TaskError.TIMEOUT : TaskError.SHUTDOWN,
                    running ? "attempt interrupted" : "the process stopped while the attempt ran");
        } catch (RuntimeException e) {
            error = new TaskError(TaskError.TASK_ERROR, String.valueOf(e.getMessage()), e.getClass().getName());
        } finally {
            watchdog.cancel(false);
            slot.set(null, 0);
            Thread.interrupted(); // a timeout may have interrupted us after the body returned
        }
        completed.incrementAndGet();
        if (LOG.isTraceEnabled()) {
            LOG.tracef("%s ran %d ms", r.describe(), Duration.between(started, engine.now()).toMillis());
        }
        engine.attemptEnded(r, attempt, result, error);
    }
}
