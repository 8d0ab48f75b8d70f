package io.fastworker.task;

import io.quarkus.runtime.annotations.RegisterForReflection;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

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
 * </ul>
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TaskError(String type, String message, String exception) {

    public static final String TASK_ERROR = "task_error";
    public static final String TIMEOUT = "timeout";
    public static final String BAD_ARGUMENTS = "bad_arguments";
    public static final String BAD_RESULT = "bad_result";
    public static final String SHUTDOWN = "shutdown";
    public static final String WORKER_LOST = "worker_lost";
    public static final String RETURNED = "returned";

    public TaskError {
        Objects.requireNonNull(type, "type");
        message = message == null ? "" : message;
    }

    public static TaskError of(String type, String message) {
        return new TaskError(type, message, null);
    }

    /** Whether another attempt could succeed where this one failed. */
    public boolean retryable() {
        return !BAD_ARGUMENTS.equals(type) && !BAD_RESULT.equals(type);
    }
}
