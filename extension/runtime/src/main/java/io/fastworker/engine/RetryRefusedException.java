package io.fastworker.engine;

import io.fastworker.queue.TaskState;

/** {@code POST /tasks/{id}/retry} for a task that is unknown, or that has not failed. */
public class RetryRefusedException extends RuntimeException {

    private final RetryOutcome outcome;
    private final TaskState status;

    RetryRefusedException(RetryOutcome outcome, String id, TaskState status) {
        super(outcome == RetryOutcome.NOT_FOUND
                ? "no failed task '" + id + "' is kept: it was never submitted here, its dead letter was deleted, or "
                        + "it failed longer ago than fastworker.dead-letters.retention"
                : "task '" + id + "' is " + status.wireName() + "; only a failed task can be retried");
        this.outcome = outcome;
        this.status = status;
    }

    public RetryOutcome outcome() {
        return outcome;
    }

    /** The task's status when it exists but has not failed; null otherwise. */
    public TaskState status() {
        return status;
    }
}
