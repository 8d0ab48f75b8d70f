package io.fastworker.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Objects;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Why an attempt failed. {@code type} is a stable code clients may branch on:
 * <ul>
 * <li>{@code task_error}: the task body threw; {@code exception} names the exception class.</li>
 * <li>{@code timeout}: the attempt ran longer than its timeout.</li>
 * <li>{@code bad_arguments}: args/kwargs do not fit the task's parameters (never retried).</li>
 * <li>{@code bad_result}: the result cannot be written as JSON (never retried).</li>
 * <li>{@code shutdown}: the process stopped while the attempt ran.</li>
 * <li>{@code worker_lost}: the subworker running it disconnected or stopped sending heartbeats.</li>
 * <li>{@code returned}: the subworker gave the task back unstarted (it was stopping).</li>
 * <li>{@code control_plane_restart}: the control plane restarted while the attempt ran; the task was queued
 * again.</li>
 * <li>{@code cancelled}: the task was cancelled while this attempt ran (its outcome, if any, was dropped).</li>
 * </ul>
 * {@code nonRetryable} is true when the task body said the failure is final
 * ({@code TaskFailureException.nonRetryable}, or an exception listed in {@code @Task(doNotRetry)}); it is left out
 * otherwise.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = {"type", "message"})
public record TaskError(String type, String message, String exception, Boolean nonRetryable) {

    public static final String TASK_ERROR = "task_error";
    public static final String TIMEOUT = "timeout";
    public static final String BAD_ARGUMENTS = "bad_arguments";
    public static final String BAD_RESULT = "bad_result";
    public static final String SHUTDOWN = "shutdown";
    public static final String WORKER_LOST = "worker_lost";
    public static final String RETURNED = "returned";
    public static final String CONTROL_PLANE_RESTART = "control_plane_restart";
    public static final String CANCELLED = "cancelled";

    public TaskError {
        Objects.requireNonNull(type, "type");
        message = message == null ? "" : message;
        nonRetryable = Boolean.TRUE.equals(nonRetryable) ? Boolean.TRUE : null;
    }

    public TaskError(String type, String message, String exception) {
        this(type, message, exception, null);
    }

    public static TaskError of(String type, String message) {
        return new TaskError(type, message, null, null);
    }

    /** Whether another attempt could succeed where this one failed. */
    public boolean retryable() {
        return nonRetryable == null && !BAD_ARGUMENTS.equals(type) && !BAD_RESULT.equals(type);
    }
}
