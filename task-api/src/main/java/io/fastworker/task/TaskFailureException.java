package io.fastworker.task;

/**
 * Thrown by a task body to end its attempt with a failure it describes. By default another attempt follows (within
 * the task's {@code maxRetries}), as for any exception; {@link #nonRetryable} says the failure is final: no retry
 * can succeed where this attempt failed (bad input, a record that does not exist), so the task fails at once.
 *
 * <p>The task's error then has type {@code task_error}, this message, and {@code nonRetryable: true} when final.
 * The message is shown to whoever reads the task; keep secrets and personal data out of it.
 */
public class TaskFailureException extends Exception {

    private final boolean retryable;

    /** A failure another attempt may get past (the task is retried if it has retries left). */
    public TaskFailureException(String message) {
        this(message, null, true);
    }

    /** A failure another attempt may get past, with its cause. */
    public TaskFailureException(String message, Throwable cause) {
        this(message, cause, true);
    }

    protected TaskFailureException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** A final failure: the task fails now, whatever retries it has left. */
    public static TaskFailureException nonRetryable(String message) {
        return new TaskFailureException(message, null, false);
    }

    /** A final failure with its cause. */
    public static TaskFailureException nonRetryable(String message, Throwable cause) {
        return new TaskFailureException(message, cause, false);
    }

    /** Whether another attempt could succeed where this one failed. */
    public boolean retryable() {
        return retryable;
    }
}
