package io.fastworker.execution;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * One attempt of a task as an executor receives it: what to run, with which arguments, for how long at most, and
 * the W3C trace headers of the dispatch that handed it over (empty when untraced).
 */
public record Attempt(String taskId, String task, String priority, int number, int maxAttempts, ArrayNode args,
        ObjectNode kwargs, Duration timeout, Map<String, String> trace) {

    public Attempt {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(kwargs, "kwargs");
        // A redelivery after a lost worker is a further attempt, so the number may exceed maxAttempts.
        if (number < 1 || maxAttempts < 1) {
            throw new IllegalArgumentException("attempt and maxAttempts must be 1 or more, got " + number + "/"
                    + maxAttempts);
        }
        Objects.requireNonNull(timeout, "timeout");
        String problem = TaskOptions.problem("timeout", timeout);
        if (problem != null) {
            throw new IllegalArgumentException("timeout " + problem);
        }
        trace = trace == null ? Map.of() : Map.copyOf(trace);
    }

    /** For log lines: {@code Task(id=..., name='...', attempt=n/max)}. */
    public String describe() {
        return "Task(id=" + taskId + ", name='" + task + "', attempt=" + number + "/" + maxAttempts + ")";
    }
}
