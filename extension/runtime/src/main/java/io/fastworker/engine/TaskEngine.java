package io.fastworker.engine;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.fastworker.limit.Limits;
import io.fastworker.queue.ReadyQueue;
import io.fastworker.queue.TaskState;
import io.fastworker.telemetry.Tracing;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * A task's life after its acceptance: the ready queue, attempts started, ended and handed back, due tasks
 * released, cancels. Every change is a {@link TaskCommand} with its decisions made here, applied through
 * {@link EngineState#applyNow} and journaled as it was applied; then the observers (the feed, the metrics, the
 * limits) are told, and a task that ended completes its waiting clients and its follow-ups, outside any lock.
 *
 * <p>Guarantees: an accepted task is never dropped; it ends in exactly one terminal state ({@code success},
 * {@code failure} or {@code cancelled}). A task waits in its queue until an executor that offers it has a free slot;
 * it never fails for want of one. An attempt's end is taken once: a late or repeated report changes nothing.
 */
@ApplicationScoped
public class TaskEngine {

    private static final Logger LOG = Logger.getLogger(TaskEngine.class);

    /** Decides where a task runs, for {@link #startNext}. */
    public interface Placement {
        /** The executor that takes a task of this name (and one of its slots); called only for runnable names. */
        String place(String task);

        /** Gives back the slot {@link #place} took, when the task turned out not to be queued any more. */
        void undo(String executor);
    }

    @Inject
    EngineState state;

    @Inject
    CommandLog log;

    @Inject
    Holdings held;

    @Inject
    Timers timers;

    @Inject
    Clock clock;

    @Inject
    Limits limits;

    @Inject
    ChangeObservers observers;

    @Inject
    FastWorkerConfig.Log logSettings;

    @Inject
    Instance<TaskEndListener> allEndListeners;

    /** Callbacks, chains, groups: resolved once (a lookup per finished task costs more than the task). */
    private volatile List<TaskEndListener> endListeners = List.of();
    private final ReadyQueue<TaskRecord> ready = new ReadyQueue<>(TaskRecord::priority, TaskRecord::name);
    private volatile Runnable onReady = () -> {};
    private final List<java.util.function.Consumer<StopAsked>> stopListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Attempts that ran when this member took over as leader, until their executor claims them or time is up. */
    private final Map<String, TaskRecord> unclaimed = new java.util.concurrent.ConcurrentHashMap<>();

    /** Called whenever a task enters the ready queue (the dispatcher's wake-up). */
    public void onReady(Runnable listener) {
        onReady = listener;
    }

    /** Resolves the end listeners; called once at start, before any task can end. */
    void resolveEndListeners() {
        endListeners = allEndListeners.stream().toList();
    }

    ReadyQueue<TaskRecord> ready() {
        return ready;
    }

    /**
     * Takes the highest-priority ready task whose name {@code runnable} accepts and starts an attempt of it where
     * {@code placement} puts it; null when no such task is queued.
     */
    public Assignment startNext(Predicate<String> runnable, Placement placement) {
        while (true) {
            TaskRecord r = ready.poll(name -> runnable.test(name) && limits.admits(name));
            if (r == null) {
                return null;
            }
            String executor = placement.place(r.name());
            int attempt = r.attempts() + 1; // only this thread starts attempts
            if (change(new TaskCommand.Start(r.id(), attempt, executor, clock.instant())) != null) {
                return new Assignment(r, attempt, executor);
            }
            placement.undo(executor); // cancelled while we took it
        }
    }

    /** Records the outcome of one attempt: success, a retry after backoff, or the final failure. */
    public void attemptEnded(Assignment a, Outcome outcome) {
        TaskRecord r = a.record;
        int attempt = a.attempt();
        Instant now = clock.instant();
        TaskError error = outcome.error();
        if (error == null) {
            if (change(new TaskCommand.End(r.id(), attempt, TaskState.SUCCESS, outcome.result(), null, now,
                    null)) != null) {
                LOG.debugf("%s %s on %s", a.describe(), stopped(r) ? "ended after its cancel" : "succeeded",
                        a.executor());
                finish(r);
            }
            return;
        }
        boolean retry = error.retryable() && attempt < r.maxAttempts();
        Duration backoff = retry ? r.spec.options().backoffBefore(attempt - r.attemptBase()) : null;
        if (change(new TaskCommand.End(r.id(), attempt, retry ? TaskState.RETRYING : TaskState.FAILURE, null,
                error, now, retry ? now.plus(backoff) : null)) == null) {
            return;
        }
        if (stopped(r)) {
            LOG.infof("%s ended on %s after its cancel; cancelled", a.describe(), a.executor());
            finish(r);
            return;
        }
        try (Tracing.LogScope trace = Tracing.logScope(a.trace())) {
            if (retry) {
                LOG.warnf("%s failed on %s (%s); retrying in %d ms", a.describe(), a.executor(), describe(error),
                        backoff.toMillis());
            } else {
                LOG.errorf("%s failed on %s (%s)", a.describe(), a.executor(), describe(error));
            }
        }
        if (retry) {
            waitThenQueue(r, TaskState.RETRYING, backoff);
        } else {
            finish(r);
        }
    }

    /** An error for a log line: its type and exception class, and its message only when configured. */
    private String describe(TaskError e) {
        StringBuilder b = new StringBuilder(e.type());
        if (e.exception() != null) {
            b.append(' ').append(e.exception());
        }
        if (logSettings.taskErrorMessages()) {
            b.append(": ").append(e.message());
        }
        return b.toString();
    }

    /**
     * Puts a running attempt back at the front of its priority queue, because its executor was lost or returned
     * it unstarted. After {@code maxDeliveries} attempts a lost task fails instead, with the reason as its error.
     */
    public void handBack(Assignment a, TaskError reason, int maxDeliveries) {
        TaskRecord r = a.record;
        Instant now = clock.instant();
        if (a.attempt() - r.attemptBase() >= maxDeliveries && TaskError.WORKER_LOST.equals(reason.type())) {
            if (change(new TaskCommand.End(r.id(), a.attempt(), TaskState.FAILURE, null, reason, now,
                    null)) != null) {
                try (Tracing.LogScope trace = Tracing.logScope(a.trace())) {
                    LOG.errorf("%s lost with %s after %d deliveries; failing it", a.describe(), a.executor(),
                            a.attempt());
                }
                finish(r);
            }
            return;
        }
        if (change(new TaskCommand.HandBack(r.id(), a.attempt(), reason, now)) != null) {
            if (stopped(r)) {
                LOG.infof("%s handed back by %s after its cancel (%s); cancelled", a.describe(), a.executor(),
                        reason.type());
                finish(r);
                return;
            }
            try (Tracing.LogScope trace = Tracing.logScope(a.trace())) {
                LOG.warnf("%s handed back by %s (%s); queued again", a.describe(), a.executor(), reason.type());
            }
            ready.addFirst(r);
            onReady.run();
        }
    }

    /**
     * An attempt a re-joining executor says it still runs: its assignment, so that its end is taken, when this
     * control plane took it up as running on that very executor and has not given it up; else null.
     */
    public Assignment claim(String taskId, int attempt, String executor) {
        TaskRecord r = unclaimed.get(taskId);
        if (r == null || r.attempts() != attempt || !executor.equals(r.worker()) || !unclaimed.remove(taskId, r)) {
            return null;
        }
        LOG.infof("%s: attempt %d carries on on %s under this leader", r.describe(), attempt, executor);
        return new Assignment(r, attempt, executor);
    }

    /**
     * A running attempt taken over from the previous leader: it counts against its task's limit, and goes back to
     * its queue (at least once) unless its executor claims it within {@code window}.
     */
    void awaitClaim(TaskRecord r, Duration window) {
        unclaimed.put(r.id(), r);
        observers.takenOver(r);
        timers.after(window, () -> {
            if (unclaimed.remove(r.id(), r)) {
                handBack(new Assignment(r, r.attempts(), r.worker()), TaskError.of(TaskError.CONTROL_PLANE_RESTART,
                        "the leader changed while this attempt ran on " + r.worker() + ", which did not report it "
                                + "within " + window),
                        Integer.MAX_VALUE);
            }
        });
    }

    /**
     * Completes once every change made so far is committed by a cluster's majority, before anyone acts on it (at once
     * without a cluster, where the journal's order is enough); never for a leader that lost its term.
     */
    public java.util.concurrent.CompletableFuture<Void> recorded() {
        return log.barrier();
    }

    /**
     * Withdraws a task that waits (queued, scheduled or retrying), or asks the executor of a running one to stop it:
     * it is then {@code cancelling} until that attempt ends, and {@code cancelled} whatever the attempt's outcome.
     */
    public CancelOutcome cancel(String id) {
        TaskRecord r = state.task(id);
        if (r != null && (r.state() == TaskState.RUNNING || r.state() == TaskState.CANCELLING)) {
            int attempt = r.attempts();
            if (r.state() == TaskState.CANCELLING
                    || change(new TaskCommand.Stop(id, attempt, clock.instant())) != null) {
                LOG.infof("%s asked to stop on %s", r.describe(), r.worker());
                StopAsked asked = new StopAsked(r.worker(), id, attempt);
                stopListeners.forEach(l -> l.accept(asked)); // again for a repeated cancel: a lost message is resent
                return CancelOutcome.CANCELLING;
            }
            // it ended meanwhile: as for a task that waits
        }
        r = change(new TaskCommand.Cancel(id, clock.instant()));
        if (r == null) {
            return state.task(id) != null || state.results().get(id) != null ? CancelOutcome.NOT_CANCELLABLE
                    : CancelOutcome.NOT_FOUND;
        }
        ready.remove(r);
        LOG.infof("%s cancelled", r.describe());
        finish(r);
        return CancelOutcome.CANCELLED;
    }

    /** A running attempt asked to stop: which executor runs it, and which attempt of which task. */
    public record StopAsked(String executor, String taskId, int attempt) {
    }

    /** Called, outside any lock, whenever a running attempt is asked to stop (its executor's cue). */
    public void onStopAsked(java.util.function.Consumer<StopAsked> listener) {
        stopListeners.add(listener);
    }

    /** Whether the change just made ended a task that was being cancelled. */
    static boolean stopped(TaskRecord r) {
        return r.state() == TaskState.CANCELLED;
    }

    /** Forgets a dead letter (its result, while kept, stays readable); false if there is none. */
    public boolean deleteDeadLetter(String id) {
        Command.DeleteDeadLetter c = new Command.DeleteDeadLetter(id, clock.instant());
        if (!state.apply(c)) {
            return false;
        }
        log.unwaited().accept(c);
        return true;
    }

    // --- within the engine -------------------------------------------------------------------------------------

    /** Tasks just accepted (or retried) enter the ready queue, or wait for their time. */
    void queue(List<TaskRecord> accepted, Instant now) {
        boolean queued = false;
        for (TaskRecord r : accepted) {
            observers.accepted(r, now);
            queued |= resume(r, now);
        }
        if (queued) {
            onReady.run();
        }
    }

    /**
     * A waiting task takes its place: queued at the back of its queue, or a scheduled or retrying one at its due
     * time (at once when that has passed). Returns whether it entered the ready queue.
     */
    boolean resume(TaskRecord r, Instant now) {
        TaskState s = r.state();
        if (s == TaskState.QUEUED) {
            ready.add(r);
            return true;
        }
        if (s == TaskState.SCHEDULED || s == TaskState.RETRYING) {
            Instant due = r.dueAt() != null ? r.dueAt() : now;
            waitThenQueue(r, s, due.isAfter(now) ? Duration.between(now, due) : Duration.ZERO);
        }
        return false;
    }

    private void waitThenQueue(TaskRecord r, TaskState from, Duration delay) {
        r.timer(timers.after(delay, () -> {
            if (change(new TaskCommand.Release(r.id(), from, clock.instant())) != null) {
                ready.add(r);
                onReady.run();
            }
        }));
    }

    /** An attempt asked to stop before a restart, lost with the process: its task is cancelled. */
    void stoppedInRestart(TaskRecord r, Instant now) {
        lostInRestart(r, now);
        finish(r);
    }

    /** A running attempt lost with the process that ran it, after a restart: queued again, at least once. */
    void lostInRestart(TaskRecord r, Instant now) {
        // Nothing observed it start in this process: the limits and metrics are not told.
        state.applyNow(new TaskCommand.HandBack(r.id(), r.attempts(), TaskError.of(TaskError.CONTROL_PLANE_RESTART,
                "the control plane restarted while this attempt ran"), now), log.unwaited());
    }

    /** A task that ended: its room freed, its waiting clients answered, its end listeners told. */
    private void finish(TaskRecord r) {
        TaskView view = r.view();
        held.release(1, r.footprint);
        r.done.complete(view);
        tellEnded(view, r.spec, r.traceContext, false);
    }

    /** Tells the end listeners (callbacks, chains, groups) that a task ended. */
    void tellEnded(TaskView view, TaskSpec spec, Map<String, String> trace, boolean afterRestart) {
        for (TaskEndListener f : endListeners) {
            try {
                f.taskEnded(view, spec, trace, afterRestart);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Task(id=%s, name='%s'): following up on its end failed", view.id(), view.task());
            }
        }
    }

    /**
     * The one path of every change of a task made now: applied through {@link EngineState#applyNow} (which checks
     * the transition table), journaled as it was applied, then told to the observers. Returns the task it changed,
     * or null when it changed nothing.
     */
    private TaskRecord change(TaskCommand c) {
        TaskRecord r = state.applyNow(c, log.unwaited());
        if (r != null) {
            observers.changed(r, c);
        }
        return r;
    }
}
