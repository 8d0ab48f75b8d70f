package io.fastworker.client;

/**
 * A call the control plane refused or could not answer. {@link #status()} is the HTTP status (0 when the control
 * plane was unreachable), {@link #type()} the problem type and {@link #getMessage()} its detail.
 */
public class FastWorkerException extends RuntimeException {

    private final int status;
    private final String type;

    public FastWorkerException(int status, String type, String detail, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.type = type;
    }

    public int status() {
        return status;
    }

    /** The problem document's {@code type}, or {@code unreachable} when no answer came. */
    public String type() {
        return type;
    }

    /** Whether retrying later may succeed: unreachable, queue full (429) or not accepting (503). */
    public boolean retryable() {
        return status == 0 || status == 429 || status == 503;
    }
}
