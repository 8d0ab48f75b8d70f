package io.fastworker.engine;

import io.fastworker.execution.Attempt;
import java.util.Map;

/**
 * One attempt of a task handed to an executor (the control plane itself or a subworker). The executor reports
 * its end exactly once through {@link TaskEngine#attemptEnded} or {@link TaskEngine#handBack}; a report for an
 * attempt that already ended (e.g. by its deadline) is ignored.
 */
public final class Assignment {

    final TaskRecord record;
    private final int attempt;
    private final String executor;
    /** W3C headers of this attempt's dispatch span, set when it is handed over (empty when untraced). */
    private volatile Map<String, String> dispatchTrace = Map.of();

    Assignment(TaskRecord record, int attempt, String executor) {
        this.record = record;
        this.attempt = attempt;
        this.executor = executor;
    }

    public String taskId() {
        return record.id();
    }

    public String task() {
        return record.name();
    }

    public int attempt() {
        return attempt;
    }

    public String executor() {
        return executor;
    }

    /** The submission's options (timeout, priority, retries) for this attempt. */
    public io.fastworker.execution.TaskOptions options() {
        return record.spec.options();
    }

    /** W3C trace headers of the submission (empty when untraced). */
    /** The schedule and tick that submitted the task; null when a client did. */
    public FromSchedule schedule() {
        return record.spec.schedule();
    }

    public Map<String, String> submitTrace() {
        return record.traceContext;
    }

    /** Records the trace headers of the span that handed this attempt over. */
    public void dispatchedIn(Map<String, String> trace) {
        dispatchTrace = trace == null ? Map.of() : trace;
    }

    /** The trace this attempt's log lines and spans belong to: its dispatch, else the submission. */
    Map<String, String> trace() {
        return dispatchTrace.isEmpty() ? record.traceContext : dispatchTrace;
    }

    /** The attempt as an executor runs it. */
    public Attempt toAttempt() {
        TaskSpec s = record.spec;
        return new Attempt(s.id(), s.name(), s.options().priority().wireName(), attempt, record.maxAttempts(),
                s.args(), s.kwargs(), s.options().timeout(), dispatchTrace);
    }

    /** For log lines: {@code Task(id=..., name='...', attempt=n/max)}. */
    /** Whether the task was asked to stop (cancelling) while this attempt runs. */
    public boolean cancelling() {
        return record.state() == io.fastworker.queue.TaskState.CANCELLING;
    }

    public String describe() {
        return "Task(id=" + record.id() + ", name='" + record.name() + "', attempt=" + attempt + "/"
                + record.maxAttempts() + ")";
    }

    /** The attempts its task may make in all. */
    public int maxAttempts() {
        return record.maxAttempts();
    }
}
