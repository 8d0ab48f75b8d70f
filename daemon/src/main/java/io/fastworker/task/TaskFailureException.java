package io.fastworker.task;

/** An attempt that failed, with the error clients will see. */
public class TaskFailureException extends Exception {

    private final transient TaskError error;

    public TaskFailureException(TaskError error) {
        super(error.type() + ": " + error.message(), null, false, false);
        this.error = error;
    }

    public TaskError error() {
        return error;
    }
}
