package io.fastworker.engine;

/** What {@code POST /tasks/{id}/retry} found. */
public enum RetryOutcome {
    /** Queued again as a new attempt. */
    RETRIED,
    /** No such task, or a failed task no longer kept. */
    NOT_FOUND,
    /** The task exists but has not failed (it waits, runs or succeeded). */
    NOT_FAILED
}
