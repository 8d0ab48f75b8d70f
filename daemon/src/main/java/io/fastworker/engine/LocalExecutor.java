package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.task.TaskContext;
import io.fastworker.task.TaskError;
import io.fastworker.task.TaskFailureException;
import io.fastworker.task.TaskRegistry;
import io.fastworker.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Runs tasks inside the control plane on {@code fastworker.concurrency} dedicated threads (never an event loop),
 * when {@code fastworker.control-plane.execute-locally} is on and no connected subworker can run the task. Each thread takes
 * the highest-priority ready task only when it is free, so priority order holds at dispatch time. An attempt that
 * outlives its timeout is reported as failed with type {@code timeout} at once and its thread is interrupted; the
 * slot stays busy until the body actually returns, so concurrency is never exceeded.
 */
@ApplicationScoped
public class LocalExecutor {

    @Inject
    Tracing tracing;

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskRegistry registry;

    private final List<Slot> slots = new ArrayList<>();
    private final AtomicLong completed = new AtomicLong();
    private volatile boolean running;
    private volatile Predicate<String> remoteCanRun = task -> false;
    private TaskEngine engine;
    private String workerId;

    /** What one executor thread is doing, guarded so a timeout interrupts only the attempt it belongs to. */
    private static final class Slot {
        private Thread thread;
        private Assignment current;

        synchronized void set(Assignment a) {
            current = a;
        }

        synchronized void interruptIf(Assignment a) {
            if (current == a) {
                thread.interrupt();
            }
        }

        synchronized boolean busy() {
            return current != null;
        }
    }

    void start(TaskEngine owner) {
        this.engine = owner;
        this.workerId = Identity.workerId(config);
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

    /** Told by the link which task names its connected subworkers run; those are left to them. */
    public void leaveToSubworkers(Predicate<String> announcedByConnectedSubworker) {
        remoteCanRun = announcedByConnectedSubworker;
    }

    /** Whether this process runs tasks itself (it leaves those a connected subworker announced to it). */
    public boolean active() {
        return running && config.controlPlane().executeLocally();
    }

    /** The id this executor reports in results. */
    public String workerId() {
        return workerId == null ? Identity.workerId(config) : workerId;
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
            try {
                if (!active()) {
                    Thread.sleep(50);
                    continue;
                }
                boolean[] declined = {false};
                Assignment a = engine.assignNext(200, TimeUnit.MILLISECONDS, spec -> {
                    declined[0] = remoteCanRun.test(spec.name());
                    return declined[0] ? null : workerId;
                }, id -> { });
                if (a != null) {
                    runAttempt(slot, a);
                } else if (declined[0]) {
                    Thread.sleep(20); // the head of the queue is a subworker's; let the dispatcher take it
                }
            } catch (InterruptedException e) {
                // stopping, or a timeout interrupt that arrived after the body returned
            }
        }
    }

    private void runAttempt(Slot slot, Assignment a) {
        Duration timeout = a.spec().options().timeout();
        slot.set(a);
        ScheduledFuture<?> watchdog = engine.timers().schedule(() -> {
            engine.attemptEnded(a, null, TaskError.of(TaskError.TIMEOUT,
                    "attempt " + a.attempt() + " ran longer than its timeout of " + timeout));
            slot.interruptIf(a);
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        JsonNode result = null;
        TaskError error = null;
        Span dispatch = tracing.startDispatch(a.traceContext(), a.spanAttributes(), workerId());
        dispatch.end();
        try (Tracing.Execution execution = tracing.startExecute(tracing.headers(dispatch), a.spanAttributes(),
                workerId())) {
            try {
                result = registry.invoke(a.spec().name(), a.spec().args(), a.spec().kwargs(),
                        new TaskContext(a.taskId(), a.spec().name(), a.attempt(), a.spec().options().maxAttempts()));
            } catch (TaskFailureException e) {
                error = e.error();
            } catch (InterruptedException e) {
                error = TaskError.of(running ? TaskError.TIMEOUT : TaskError.SHUTDOWN,
                        running ? "attempt interrupted" : "the process stopped while the attempt ran");
            } catch (RuntimeException e) {
                error = new TaskError(TaskError.TASK_ERROR, String.valueOf(e.getMessage()), e.getClass().getName());
            } finally {
                watchdog.cancel(false);
                slot.set(null);
                Thread.interrupted(); // a timeout may have interrupted us after the body returned
            }
            if (error == null) {
                execution.succeeded();
            } else {
                execution.failed(error.type(), error.exception());
            }
        }
        completed.incrementAndGet();
        engine.attemptEnded(a, result, error);
    }
}
