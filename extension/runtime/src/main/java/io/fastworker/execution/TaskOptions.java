package io.fastworker.execution;

import io.fastworker.task.Priority;
import java.time.Duration;
import java.util.Objects;

/**
 * How a task is run: its priority, retry policy and per-attempt timeout. The delay before retry {@code n}
 * (1-based) is {@code min(retryDelay × retryBackoff^(n-1), retryBackoffMax)}.
 *
 * <p>This record is the one place that knows the limits of every option; whatever sets an option (a
 * {@link io.fastworker.task.Task} annotation, the configured defaults, a submission) goes through its constructor or
 * {@link #merge}.
 */
public record TaskOptions(Priority priority, int maxRetries, Duration retryDelay, double retryBackoff,
        Duration retryBackoffMax, Duration timeout) {

    /** Most retries after a failed attempt. */
    public static final int MAX_RETRIES = 1000;
    /** Longest timeout of one attempt. */
    public static final Duration MAX_TIMEOUT = Duration.ofDays(7);
    /** Shortest timeout of one attempt: how precisely executors enforce timeouts. */
    public static final Duration MIN_TIMEOUT = Duration.ofMillis(10);
    /** Longest delay before a retry (both {@code retryDelay} and {@code retryBackoffMax}). */
    public static final Duration MAX_RETRY_DELAY = Duration.ofDays(7);
    /** Largest factor applied to the delay for each further retry. */
    public static final double MAX_RETRY_BACKOFF = 100;

    public TaskOptions {
        Objects.requireNonNull(priority, "priority");
        if (maxRetries < 0 || maxRetries > MAX_RETRIES) {
            throw new IllegalArgumentException("'maxRetries' must be a whole number from 0 to " + MAX_RETRIES
                    + ", got " + maxRetries);
        }
        check("retryDelay", retryDelay);
        if (!(retryBackoff >= 1.0 && retryBackoff <= MAX_RETRY_BACKOFF)) {
            throw new IllegalArgumentException("'retryBackoff' must be a number from 1.0 to " + MAX_RETRY_BACKOFF
                    + ", got " + retryBackoff);
        }
        check("retryBackoffMax", retryBackoffMax);
        check("timeout", timeout);
    }

    /** Options a submission (or an annotation) sets; null means "keep what the task has". */
    public record Overrides(Priority priority, Integer maxRetries, Duration retryDelay, Double retryBackoff,
            Duration retryBackoffMax, Duration timeout) {

        public static final Overrides NONE = new Overrides(null, null, null, null, null, null);

        /** The option names, as a submission, an announcement or {@code GET /registry} writes them. */
        public static final java.util.List<String> FIELDS = java.util.List.of("priority", "maxRetries",
                "retryDelay", "retryBackoff", "retryBackoffMax", "timeout");

        /**
         * The set fields as JSON values (a subworker's announcement): the priority's wire name, durations as
         * ISO-8601, numbers as numbers.
         */
        public java.util.Map<String, Object> asJson() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            if (priority != null) {
                m.put("priority", priority.wireName());
            }
            if (maxRetries != null) {
                m.put("maxRetries", maxRetries);
            }
            if (retryDelay != null) {
                m.put("retryDelay", retryDelay.toString());
            }
            if (retryBackoff != null) {
                m.put("retryBackoff", retryBackoff);
            }
            if (retryBackoffMax != null) {
                m.put("retryBackoffMax", retryBackoffMax.toString());
            }
            if (timeout != null) {
                m.put("timeout", timeout.toString());
            }
            return m;
        }

        /**
         * Options read back from {@link #asJson()}'s shape (durations also as seconds or {@code "30s"}); only their
         * types are checked here, their ranges by {@link TaskOptions#merge}.
         *
         * @throws IllegalArgumentException naming the field that is unknown or of the wrong type
         */
        public static Overrides fromJson(java.util.Map<String, ?> json) {
            for (String field : json.keySet()) {
                if (!FIELDS.contains(field)) {
                    throw new IllegalArgumentException("unknown option '" + field + "'; the options are " + FIELDS);
                }
            }
            Object p = json.get("priority");
            Object retries = json.get("maxRetries");
            Object backoff = json.get("retryBackoff");
            if (p != null && !(p instanceof String)) {
                throw new IllegalArgumentException("'priority' must be one of " + Priority.NAMES);
            }
            if (retries != null && !(retries instanceof Integer)) {
                throw new IllegalArgumentException("'maxRetries' must be a whole number");
            }
            if (backoff != null && !(backoff instanceof Number)) {
                throw new IllegalArgumentException("'retryBackoff' must be a number");
            }
            return new Overrides(p == null ? null : Priority.parse((String) p), (Integer) retries,
                    duration(json, "retryDelay"), backoff == null ? null : ((Number) backoff).doubleValue(),
                    duration(json, "retryBackoffMax"), duration(json, "timeout"));
        }

        private static Duration duration(java.util.Map<String, ?> json, String field) {
            Object v = json.get(field);
            try {
                if (v == null) {
                    return null;
                }
                if (v instanceof Number n) {
                    return Durations.ofSeconds(n.doubleValue());
                }
                if (v instanceof String text) {
                    return Durations.parse(text);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + field + "': " + e.getMessage());
            }
            throw new IllegalArgumentException("'" + field + "' must be a duration (\"PT30S\", \"30s\" or seconds)");
        }
    }

    /**
     * The configured defaults ({@code fastworker.task-defaults.*}, priority normal) with {@code declared} over them.
     *
     * @throws IllegalStateException naming {@code what} and the option out of its range
     */
    public static TaskOptions withDefaults(io.fastworker.config.FastWorkerConfig.TaskDefaults d, Overrides declared,
            String what) {
        try {
            return new TaskOptions(Priority.NORMAL, d.maxRetries(), d.retryDelay(), d.retryBackoff(),
                    d.retryBackoffMax(), d.timeout()).merge(declared);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }

    /** Valid options, against which each set field of an {@link Overrides} is checked on its own. */
    private static final TaskOptions BASELINE = new TaskOptions(Priority.NORMAL, 0, Duration.ofSeconds(1), 2.0,
            Duration.ofMinutes(5), Duration.ofMinutes(5));

    /**
     * What is wrong with each option {@code o} sets, one message per option out of its range (none when all are in
     * range): the same messages as {@link #merge} throws, for a report of every problem at once.
     */
    public static java.util.List<String> problems(Overrides o) {
        java.util.List<String> problems = new java.util.ArrayList<>();
        java.util.List<Overrides> each = java.util.List.of(
                new Overrides(null, o.maxRetries(), null, null, null, null),
                new Overrides(null, null, o.retryDelay(), null, null, null),
                new Overrides(null, null, null, o.retryBackoff(), null, null),
                new Overrides(null, null, null, null, o.retryBackoffMax(), null),
                new Overrides(null, null, null, null, null, o.timeout()));
        for (Overrides one : each) {
            try {
                BASELINE.merge(one);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /**
     * These options with {@code o}'s set fields in their place.
     *
     * @throws IllegalArgumentException naming the option that is out of its range
     */
    public TaskOptions merge(Overrides o) {
        return new TaskOptions(o.priority() != null ? o.priority() : priority,
                o.maxRetries() != null ? o.maxRetries() : maxRetries,
                o.retryDelay() != null ? o.retryDelay() : retryDelay,
                o.retryBackoff() != null ? o.retryBackoff() : retryBackoff,
                o.retryBackoffMax() != null ? o.retryBackoffMax() : retryBackoffMax,
                o.timeout() != null ? o.timeout() : timeout);
    }

    private static void check(String option, Duration value) {
        Objects.requireNonNull(value, option);
        String problem = problem(option, value);
        if (problem != null) {
            throw new IllegalArgumentException("'" + option + "' " + problem);
        }
    }

    /**
     * What is wrong with {@code value} for the duration option {@code option} ({@code retryDelay},
     * {@code retryBackoffMax} or {@code timeout}), or null when it is in range: the one statement of these ranges,
     * for submissions, annotations and configured defaults alike.
     */
    public static String problem(String option, Duration value) {
        Duration min = switch (option) {
            case "retryDelay" -> Duration.ZERO;
            case "retryBackoffMax" -> Duration.ofNanos(1);
            case "timeout" -> MIN_TIMEOUT;
            default -> throw new IllegalArgumentException("not a duration option: " + option);
        };
        Duration max = option.equals("timeout") ? MAX_TIMEOUT : MAX_RETRY_DELAY;
        if (value.compareTo(min) < 0) {
            return min.isZero() ? "must be 0 or more, got " + value
                    : min.equals(Duration.ofNanos(1)) ? "must be more than 0, got " + value
                            : "must be at least " + min.toMillis() + " ms (" + min + "), got " + value;
        }
        if (value.compareTo(max) > 0) {
            return "must be at most " + max + ", got " + value;
        }
        return null;
    }

    /** Delay before the given retry (1 = first retry). */
    public Duration backoffBefore(int retry) {
        double millis = retryDelay.toMillis() * Math.pow(retryBackoff, Math.max(0, retry - 1));
        long capped = (long) Math.min(millis, retryBackoffMax.toMillis());
        return Duration.ofMillis(capped);
    }

    /** Total attempts allowed. */
    public int maxAttempts() {
        return maxRetries + 1;
    }
}
