package io.fastworker.engine;

import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * One live task: what it was asked to do, and where it is in its life ({@link TaskLife}, changed only through
 * {@link #apply}, under this record's lock), with what the running control plane attaches to it (its due-time timer,
 * the future its waiting clients hold, its callback's status).
 */
final class TaskRecord {

    final TaskSpec spec;
    final Instant submittedAt;
    /** W3C trace headers of the submission; every attempt's spans join that trace. Empty when untraced. */
    final Map<String, String> traceContext;
    /** About how much heap what it holds for later takes (see {@link Footprint}). */
    final long footprint;
    /** How the task's callback is getting on; null without one. */
    final CallbackStatus callback;
    /** Completed (outside any lock) with the final view once the task has finished. */
    final CompletableFuture<TaskView> done = new CompletableFuture<>();

    private final TaskLife life;
    private Future<?> timer;

    private TaskRecord(TaskSpec spec, Instant submittedAt, Map<String, String> traceContext, TaskLife life,
            long footprint) {
        this.spec = spec;
        this.footprint = footprint;
        this.submittedAt = submittedAt;
        this.traceContext = traceContext;
        this.life = life;
        this.callback = spec.callback() == null ? null : new CallbackStatus(spec.callback());
    }

    /**
     * A task just accepted: queued, or scheduled until its countdown or ETA when that lies ahead; {@code footprint}
     * is {@link Footprint#of(TaskSpec)}, as the caller reserved it.
     */
    static TaskRecord accepted(TaskSpec spec, Instant submittedAt, Map<String, String> traceContext, long footprint) {
        boolean later = spec.notBefore() != null && spec.notBefore().isAfter(submittedAt);
        return new TaskRecord(spec, submittedAt, traceContext, later
                ? new TaskLife(TaskState.SCHEDULED, spec.notBefore())
                : new TaskLife(TaskState.QUEUED, null), footprint);
    }

    /** A task as the journal left it (its life replayed there) or as a dead letter kept it. */
    static TaskRecord restored(TaskSpec spec, Instant submittedAt, Map<String, String> traceContext, TaskLife life) {
        return new TaskRecord(spec, submittedAt, traceContext, life, Footprint.of(spec));
    }

    /**
     * Applies a change through the task's one apply path ({@link TaskLife#apply}); returns whether it changed
     * anything. A cancel also stops the task's timer.
     */
    synchronized boolean apply(TaskCommand c) {
        if (!life.apply(c)) {
            return false;
        }
        if (c instanceof TaskCommand.Cancel && timer != null) {
            timer.cancel(false);
        }
        return true;
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
        return life.state;
    }

    synchronized int attempts() {
        return life.attempts;
    }

    /** Attempts made before the latest retry by request. */
    synchronized int attemptBase() {
        return life.attemptBase;
    }

    /** When the current or last attempt started; null before the first. */
    synchronized Instant startedAt() {
        return life.startedAt;
    }

    /** The executor of the current or last attempt; null before the first. */
    synchronized String worker() {
        return life.worker;
    }

    synchronized void timer(Future<?> f) {
        timer = f;
    }

    /** When a scheduled or retrying task is due; null otherwise. */
    synchronized Instant dueAt() {
        return life.due;
    }

    synchronized TaskView view() {
        return new TaskView(spec.id(), spec.name(), life.state, priority(), life.attempts, maxAttempts(),
                life.result, life.error, submittedAt, spec.notBefore(), life.startedAt, life.finishedAt, life.worker,
                List.copyOf(life.history), spec.schedule(), callback, spec.chain(), spec.group(),
                TaskView.traceId(traceContext));
    }

    String describe() {
        return "Task(id=" + spec.id() + ", name='" + spec.name() + "', attempt=" + attempts() + "/"
                + maxAttempts() + ")";
    }

    /** The attempts it may make in all: its options' allowance, after those made before a retry by request. */
    synchronized int maxAttempts() {
        return life.attemptBase + spec.options().maxAttempts();
    }
}
