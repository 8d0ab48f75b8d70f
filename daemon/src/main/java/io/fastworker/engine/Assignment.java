package io.fastworker.engine;

import io.fastworker.telemetry.Tracing;

/**
 * One attempt of a task handed to an executor (the control plane itself or a subworker). The executor reports
 * its end exactly once through {@link TaskEngine#attemptEnded} or {@link TaskEngine#handBack}; a report for an
 * attempt that already ended (e.g. by timeout) is ignored.
 */
public final class Assignment {

    final TaskRecord record;
    private final int attempt;
    private final String executor;

    Assignment(TaskRecord record, int attempt, String executor) {
        this.record = record;
        this.attempt = attempt;
        this.executor = executor;
    }

    public TaskSpec spec() {
        return record.spec;
    }

    public String taskId() {
        return record.id();
    }

    public int attempt() {
        return attempt;
    }

    /** W3C trace headers of the submission (empty when untraced). */
    public java.util.Map<String, String> traceContext() {
        return record.traceContext;
    }

    /** What the task spans of this attempt say about it. */
    public Tracing.TaskAttributes spanAttributes() {
        return new Tracing.TaskAttributes(taskId(), record.spec.name(), record.priority().wireName(), attempt,
                record.spec.options().maxAttempts());
    }

    public String executor() {
        return executor;
    }

    /** For log lines: {@code Task(id=..., name='...', attempt=n/max)}. */
    public String describe() {
        return "Task(id=" + record.id() + ", name='" + record.spec.name() + "', attempt=" + attempt + "/"
                + record.spec.options().maxAttempts() + ")";
    }
}
