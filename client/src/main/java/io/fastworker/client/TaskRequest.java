package io.fastworker.client;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One task to submit: its name, JSON-serialisable arguments and optional per-submission options. Unset options
 * take the task's defaults on the control plane.
 *
 * @param task registered task name
 * @param args positional arguments, serialised with Jackson
 * @param kwargs named arguments, serialised with Jackson
 * @param priority {@code critical}, {@code high}, {@code normal} or {@code low}; null for the default
 * @param countdown run no sooner than this long after acceptance; null to run as soon as possible
 * @param maxRetries retries after a failed attempt; null for the task's default
 * @param timeout the longest one attempt may run; null for the task's default
 * @param id a client-chosen id (the control plane refuses a reused one); null to let it choose
 */
public record TaskRequest(String task, List<Object> args, Map<String, Object> kwargs, String priority,
        Duration countdown, Integer maxRetries, Duration timeout, String id) {

    public TaskRequest {
        Objects.requireNonNull(task, "task");
        if (task.isBlank()) {
            throw new IllegalArgumentException("task name must not be blank");
        }
        args = args == null ? List.of() : List.copyOf(args);
        kwargs = kwargs == null ? Map.of() : Map.copyOf(kwargs);
        if (countdown != null && countdown.isNegative()) {
            throw new IllegalArgumentException("countdown must not be negative, got " + countdown);
        }
        if (maxRetries != null && maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative, got " + maxRetries);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** A request for {@code task} with these positional arguments (no nulls: use {@link #withArgs}). */
    public static TaskRequest of(String task, Object... args) {
        return new TaskRequest(task, Arrays.asList(args), null, null, null, null, null, null);
    }

    public TaskRequest withArgs(List<Object> newArgs) {
        return new TaskRequest(task, newArgs, kwargs, priority, countdown, maxRetries, timeout, id);
    }

    public TaskRequest withKwarg(String name, Object value) {
        Map<String, Object> k = new LinkedHashMap<>(kwargs);
        k.put(name, value);
        return new TaskRequest(task, args, k, priority, countdown, maxRetries, timeout, id);
    }

    public TaskRequest withPriority(String newPriority) {
        return new TaskRequest(task, args, kwargs, newPriority, countdown, maxRetries, timeout, id);
    }

    public TaskRequest withCountdown(Duration newCountdown) {
        return new TaskRequest(task, args, kwargs, priority, newCountdown, maxRetries, timeout, id);
    }

    public TaskRequest withMaxRetries(int newMaxRetries) {
        return new TaskRequest(task, args, kwargs, priority, countdown, newMaxRetries, timeout, id);
    }

    public TaskRequest withTimeout(Duration newTimeout) {
        return new TaskRequest(task, args, kwargs, priority, countdown, maxRetries, newTimeout, id);
    }

    public TaskRequest withId(String newId) {
        return new TaskRequest(task, args, kwargs, priority, countdown, maxRetries, timeout, newId);
    }
}
