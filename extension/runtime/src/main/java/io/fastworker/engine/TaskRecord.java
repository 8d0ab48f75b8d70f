package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * The mutable state of one live task. Every state change goes through {@link #moveTo}, which enforces the
 * {@link TaskState} table; the methods here are the only callers, and {@code TaskEngine.change} the only caller of
 * those.
 */
final class TaskRecord {

    final TaskSpec spec;
    final Instant submittedAt;
    /** W3C trace headers of the submission; every attempt's spans join that trace. Empty when untraced. */
    final Map<String, String> traceContext;
    /** About how much heap the task's arguments take (see {@link Footprint}). */
    final long footprint;
    /**
     * Attempts made before the latest retry by request (0 before any): such a retry grants the task its retry policy
     * again, so it may make this many attempts more than its options allow.
     */
    final int attemptBase;
    /** How the task's callback is getting on; null without one. */
    final CallbackStatus callback;
    /** Completed (outside any lock) with the final view once the task has finished. */
    final CompletableFuture<TaskView> done = new CompletableFuture<>();

    private TaskState state;
    private int attempts;
    private JsonNode result;
    private TaskError error;
    private Instant startedAt;
    private Instant finishedAt;
    private String worker;
    private Future<?> timer;
    private Instant dueAt;
    private final List<TaskView.Attempt> history = new ArrayList<>(1);

    TaskRecord(TaskSpec spec, Instant submittedAt, TaskState initial, Map<String, String> traceContext,
            long footprint) {
        this(spec, submittedAt, initial, traceContext, footprint, 0);
    }

    private TaskRecord(TaskSpec spec, Instant submittedAt, TaskState initial, Map<String, String> traceContext,
            long footprint, int attemptBase) {
        this.attemptBase = attemptBase;
        this.spec = spec;
        this.footprint = footprint;
        this.submittedAt = submittedAt;
        this.traceContext = traceContext;
        this.state = initial;
        this.callback = spec.callback() == null ? null : new CallbackStatus(spec.callback());
    }

    /** A task as the journal left it, waiting again: queued, scheduled or retrying. */
    TaskRecord(TaskEvents.Restored t, TaskState waiting) {
        this(t.spec, t.submittedAt, waiting, t.trace, Footprint.of(t.spec), t.attemptBase);
        this.attempts = t.attempts;
        this.error = t.error;
        this.startedAt = t.startedAt;
        this.worker = t.worker;
        this.history.addAll(t.history);
    }

    Priority priority() {
        return spec.options().priority();
    }

    String id() {
        return spec.id();
    }

    String name() {
        return spec.name();
    }

    synchronized TaskState state() {
        return state;
    }

    synchronized int attempts() {
        return attempts;
    }

    /** When the current or last attempt started; null before the first. */
    synchronized Instant startedAt() {
        return startedAt;
    }

    /** The executor of the current or last attempt; null before the first. */
    synchronized String worker() {
        return worker;
    }

    /** Moves to {@code next} if the current state is {@code expected}; false (and no change) otherwise. */
    private boolean moveTo(TaskState expected, TaskState next) {
        if (state != expected) {
            return false;
        }
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException("illegal task transition " + state + " -> " + next);
        }
        state = next;
        return true;
    }

    /** A scheduled or retrying task whose time has come: queued again. */
    synchronized boolean release(TaskState from) {
        return moveTo(from, TaskState.QUEUED);
    }

    /** Starts the next attempt on {@code executor}; returns its number, or 0 if the task is no longer queued. */
    synchronized int start(String executor, Instant now) {
        if (!moveTo(TaskState.QUEUED, TaskState.RUNNING)) {
            return 0;
        }
        attempts++;
        startedAt = now;
        worker = executor;
        return attempts;
    }

    /** Ends attempt {@code attempt} with its outcome; false if that attempt already ended (e.g. timed out). */
    synchronized boolean endAttempt(int attempt, TaskState next, JsonNode result, TaskError error, Instant now) {
        if (attempts != attempt || !moveTo(TaskState.RUNNING, next)) {
            return false;
        }
        this.result = result;
        this.error = error;
        history.add(new TaskView.Attempt(attempt, worker, startedAt, now, error));
        if (next.isTerminal()) {
            finishedAt = now;
        }
        return true;
    }

    /** Returns a running attempt to the queue (its executor was lost or gave it back). */
    synchronized boolean handBack(int attempt, TaskError reason, Instant now) {
        if (attempts != attempt || !moveTo(TaskState.RUNNING, TaskState.QUEUED)) {
            return false;
        }
        history.add(new TaskView.Attempt(attempt, worker, startedAt, now, reason));
        return true;
    }

    /** Cancels if still waiting (queued, scheduled or retrying); false if it runs or has finished. */
    synchronized boolean cancel(Instant now) {
        if (!state.canMoveTo(TaskState.CANCELLED) || !moveTo(state, TaskState.CANCELLED)) {
            return false;
        }
        finishedAt = now;
        if (timer != null) {
            timer.cancel(false);
        }
        return true;
    }

    synchronized void timer(Future<?> f, Instant due) {
        timer = f;
        dueAt = due;
    }

    /** When a scheduled or retrying task is due; null otherwise. */
    synchronized Instant dueAt() {
        return state == TaskState.SCHEDULED || state == TaskState.RETRYING ? dueAt : null;
    }

    synchronized TaskView view() {
        return new TaskView(spec.id(), spec.name(), state, priority(), attempts, maxAttempts(),
                result, error, submittedAt, spec.notBefore(), startedAt, finishedAt, worker, List.copyOf(history),
                spec.schedule(), callback, spec.chain(), spec.group(), TaskView.traceId(traceContext));
    }

    String describe() {
        return "Task(id=" + spec.id() + ", name='" + spec.name() + "', attempt=" + attempts() + "/"
                + maxAttempts() + ")";
    }

    /** The attempts it may make in all: its options' allowance, after those made before a retry by request. */
    int maxAttempts() {
        return attemptBase + spec.options().maxAttempts();
    }
}
