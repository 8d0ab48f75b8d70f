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
    /** About how much heap what it holds for later takes ({@link Footprint#of(TaskSpec)}). */
    final long footprint;
    /** How the task's callback is getting on; null without one. */
    final CallbackStatus callback;
    /** Completed (outside any lock) with the final view once the task has finished. */
    final CompletableFuture<TaskView> done = new CompletableFuture<>();

    /** Its place in the order of acceptance: restored tasks queue again in this order within a priority. */
    final long seq;

    private final TaskLife life;
    private Future<?> timer;
    /** Its latest progress report (null before the first): not part of the task's replicated state. */
    private ProgressReports.Latest progress;

    private TaskRecord(TaskSpec spec, Instant submittedAt, Map<String, String> traceContext, TaskLife life,
            long seq) {
        this.spec = spec;
        this.footprint = Footprint.of(spec);
        this.submittedAt = submittedAt;
        this.traceContext = traceContext;
        this.life = life;
        this.seq = seq;
        this.callback = spec.callback() == null ? null : new CallbackStatus(spec.callback());
    }

    /** A task just accepted: queued, or scheduled until its countdown or ETA when that lies ahead. */
    static TaskRecord accepted(Command.Accept a, long seq) {
        TaskSpec spec = a.spec();
        boolean later = spec.notBefore() != null && spec.notBefore().isAfter(a.at());
        return new TaskRecord(spec, a.at(), a.trace(), later
                ? new TaskLife(TaskState.SCHEDULED, spec.notBefore())
                : new TaskLife(TaskState.QUEUED, null), seq);
    }

    /** A task as a snapshot or a dead letter kept it. */
    static TaskRecord restored(TaskSpec spec, Instant submittedAt, Map<String, String> traceContext, TaskLife life,
            long seq) {
        return new TaskRecord(spec, submittedAt, traceContext, life, seq);
    }

    /**
     * Applies a change through the task's one apply path ({@link TaskLife#apply}) and, when it changed anything,
     * hands it to {@code journal} while the task's lock is held, so that the journal has a task's changes in the
     * order they were applied. A cancel also stops the task's timer.
     */
    synchronized boolean apply(TaskCommand c, java.util.function.Consumer<Command> journal) {
        if (!life.apply(c)) {
            return false;
        }
        journal.accept(c);
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
                TaskView.traceId(traceContext), runningProgress());
    }

    private io.fastworker.execution.TaskProgress runningProgress() {
        ProgressReports.Latest p = progress;
        return p != null && life.state == TaskState.RUNNING && p.attempt() == life.attempts ? p.report() : null;
    }

    /**
     * Takes a progress report of {@code attempt} if that attempt is running: {@link ProgressReports.Taken#PUBLISH}
     * when the last report published is {@code feedInterval} or more older, {@link ProgressReports.Taken#KEPT}
     * otherwise; {@link ProgressReports.Taken#IGNORED} when the attempt is not running (it ended, or is another's).
     */
    synchronized ProgressReports.Taken progress(int attempt, io.fastworker.execution.TaskProgress p,
            java.time.Duration feedInterval) {
        if (life.state != TaskState.RUNNING || life.attempts != attempt) {
            return ProgressReports.Taken.IGNORED;
        }
        Instant published = progress == null ? null : progress.published();
        boolean publish = published == null || !published.plus(feedInterval).isAfter(p.at());
        progress = new ProgressReports.Latest(p, attempt, publish ? p.at() : published);
        return publish ? ProgressReports.Taken.PUBLISH : ProgressReports.Taken.KEPT;
    }

    /** Its whole state, as a snapshot keeps it. */
    synchronized Command.RestoreTask snapshot() {
        return new Command.RestoreTask(view(), spec, traceContext, life.attemptBase, life.due);
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
