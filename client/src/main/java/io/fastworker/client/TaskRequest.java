package io.fastworker.client;

import io.fastworker.task.Priority;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One task to submit: its name, JSON-serialisable arguments and optional per-submission options (every option the
 * HTTP API takes). Unset options (null) take the task's defaults on the control plane, which also checks their
 * ranges and refuses a submission with an out-of-range one.
 *
 * @param task registered task name
 * @param args positional arguments, serialised with Jackson
 * @param kwargs named arguments, serialised with Jackson
 * @param priority the queue it waits in
 * @param countdown run no sooner than this long after acceptance (not with {@code eta})
 * @param eta run no sooner than this time (not with {@code countdown})
 * @param maxRetries retries after a failed attempt
 * @param retryDelay delay before the first retry
 * @param retryBackoff factor applied to the delay for each further retry
 * @param retryBackoffMax cap on the delay between attempts
 * @param timeout the longest one attempt may run
 * @param id a client-chosen id (the control plane refuses a reused one); null to let it choose
 * @param idempotencyKey makes repeating the request safe: the same key with the same request gives back the task
 *        the first one created (for the control plane's idempotency window, 24 h by default); null for none
 */
public record TaskRequest(String task, List<Object> args, Map<String, Object> kwargs, Priority priority,
        Duration countdown, Instant eta, Integer maxRetries, Duration retryDelay, Double retryBackoff,
        Duration retryBackoffMax, Duration timeout, String id, String idempotencyKey) {

    public TaskRequest {
        Objects.requireNonNull(task, "task");
        if (task.isBlank()) {
            throw new IllegalArgumentException("task name must not be blank");
        }
        args = args == null ? List.of() : List.copyOf(args);
        kwargs = kwargs == null ? Map.of() : Map.copyOf(kwargs);
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > 255
                || !idempotencyKey.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
            throw new IllegalArgumentException("an idempotency key must be 1 to 255 visible ASCII characters");
        }
        if (countdown != null && eta != null) {
            throw new IllegalArgumentException("give a countdown or an eta, not both");
        }
        notNegative("countdown", countdown);
        notNegative("retryDelay", retryDelay);
        notNegative("retryBackoffMax", retryBackoffMax);
        notNegative("timeout", timeout);
        if (maxRetries != null && maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must not be negative, got " + maxRetries);
        }
    }

    private static void notNegative(String name, Duration d) {
        if (d != null && d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, got " + d);
        }
    }

    /** A request for {@code task} with these positional arguments (no nulls: use {@link #withArgs}). */
    public static TaskRequest of(String task, Object... args) {
        return new TaskRequest(task, Arrays.asList(args), null, null, null, null, null, null, null, null, null, null,
                null);
    }

    /** The components of a request being changed. */
    private static final class Fields {
        String task;
        List<Object> args;
        Map<String, Object> kwargs;
        Priority priority;
        Duration countdown;
        Instant eta;
        Integer maxRetries;
        Duration retryDelay;
        Double retryBackoff;
        Duration retryBackoffMax;
        Duration timeout;
        String id;
        String idempotencyKey;

        Fields(TaskRequest r) {
            task = r.task;
            args = r.args;
            kwargs = r.kwargs;
            priority = r.priority;
            countdown = r.countdown;
            eta = r.eta;
            maxRetries = r.maxRetries;
            retryDelay = r.retryDelay;
            retryBackoff = r.retryBackoff;
            retryBackoffMax = r.retryBackoffMax;
            timeout = r.timeout;
            id = r.id;
            idempotencyKey = r.idempotencyKey;
        }

        TaskRequest build() {
            return new TaskRequest(task, args, kwargs, priority, countdown, eta, maxRetries, retryDelay, retryBackoff,
                    retryBackoffMax, timeout, id, idempotencyKey);
        }
    }

    private TaskRequest with(Consumer<Fields> change) {
        Fields f = new Fields(this);
        change.accept(f);
        return f.build();
    }

    public TaskRequest withArgs(List<Object> newArgs) {
        return with(f -> f.args = newArgs);
    }

    public TaskRequest withKwarg(String name, Object value) {
        Map<String, Object> k = new LinkedHashMap<>(kwargs);
        k.put(name, value);
        return with(f -> f.kwargs = k);
    }

    public TaskRequest withPriority(Priority newPriority) {
        return with(f -> f.priority = newPriority);
    }

    public TaskRequest withCountdown(Duration newCountdown) {
        return with(f -> f.countdown = newCountdown);
    }

    public TaskRequest withEta(Instant newEta) {
        return with(f -> f.eta = newEta);
    }

    public TaskRequest withMaxRetries(int newMaxRetries) {
        return with(f -> f.maxRetries = newMaxRetries);
    }

    public TaskRequest withRetryDelay(Duration newRetryDelay) {
        return with(f -> f.retryDelay = newRetryDelay);
    }

    public TaskRequest withRetryBackoff(double newRetryBackoff) {
        return with(f -> f.retryBackoff = newRetryBackoff);
    }

    public TaskRequest withRetryBackoffMax(Duration newRetryBackoffMax) {
        return with(f -> f.retryBackoffMax = newRetryBackoffMax);
    }

    public TaskRequest withTimeout(Duration newTimeout) {
        return with(f -> f.timeout = newTimeout);
    }

    public TaskRequest withId(String newId) {
        return with(f -> f.id = newId);
    }

    /** A key that makes repeating this request safe (e.g. after a timeout): the same task comes back. */
    public TaskRequest withIdempotencyKey(String key) {
        return with(f -> f.idempotencyKey = key);
    }
}
