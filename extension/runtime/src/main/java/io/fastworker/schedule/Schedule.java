package io.fastworker.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.Durations;
import io.fastworker.task.Priority;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A periodic schedule: which task to submit, with which arguments, on which ticks, and what to do about ticks
 * missed while the control plane was down and about a tick that comes while the last run still runs.
 */
public record Schedule(String id, String task, ArrayNode args, ObjectNode kwargs, Priority priority, Timing timing,
        Missed missed, Overlap overlap, Source source) {

    /** What a schedule does about ticks that passed while the control plane was down. */
    public enum Missed {
        /** Nothing: the next tick is the next one after start-up. */
        SKIP,
        /** One run at start-up for all the ticks missed (if any were), then on as usual. */
        CATCH_UP_ONCE;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** What a schedule does when a tick comes while its last run has not finished. */
    public enum Overlap {
        /** Submits the tick's task anyway. */
        ALLOW,
        /** Skips the tick. */
        SKIP_IF_RUNNING;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Where a schedule is defined; only those made through the API can be changed or deleted through it. */
    public enum Source {
        ANNOTATION, CONFIG, API;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final Set<String> FIELDS = Set.of("id", "task", "args", "kwargs", "priority", "cron", "every",
            "timezone",
            "missed", "overlap");
    /** Longest schedule id: its fired tasks' ids ({@code <id>:<tick>}) stay within the 128 characters of an id. */
    public static final int MAX_ID = 96;

    public Schedule {
        checkId(id);
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(kwargs, "kwargs");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(missed, "missed");
        Objects.requireNonNull(overlap, "overlap");
        Objects.requireNonNull(source, "source");
    }

    /**
     * Schedule ids are 1 to {@value #MAX_ID} characters of {@code A-Z a-z 0-9 . _ -}, starting with a letter, a
     * digit or {@code _}.
     */
    public static void checkId(String id) {
        boolean ok = id != null && !id.isEmpty() && id.length() <= MAX_ID && id.charAt(0) != '.'
                && id.charAt(0) != '-';
        for (int i = 0; ok && i < id.length(); i++) {
            char c = id.charAt(i);
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                    || c == '-';
        }
        if (!ok) {
            throw new IllegalArgumentException("a schedule id must be 1 to " + MAX_ID + " characters of A-Z a-z 0-9 "
                    + ". _ -, starting with a letter, a digit or _; got '" + id + "'");
        }
    }

    /** The id of the task this schedule submits for {@code tick}: one per tick, so a tick is never run twice. */
    public String taskId(Instant tick) {
        return id + ":" + tick.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    /** The submission this schedule makes: {@code {"task", "args", "kwargs", "priority"}}. */
    public ObjectNode submission() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("task", task);
        o.set("args", args.deepCopy());
        o.set("kwargs", kwargs.deepCopy());
        if (priority != null) {
            o.put("priority", priority.wireName());
        }
        return o;
    }

    /** The schedule as clients write it (the fields of {@link #parse}). */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", id);
        o.put("task", task);
        o.set("args", args.deepCopy());
        o.set("kwargs", kwargs.deepCopy());
        o.put("priority", priority == null ? null : priority.wireName());
        if (timing instanceof Timing.Cron c) {
            o.put("cron", c.expression());
            o.put("timezone", c.zone().getId());
        } else if (timing instanceof Timing.Every e) {
            o.put("every", e.period().toString());
        }
        o.put("missed", missed.wireName());
        o.put("overlap", overlap.wireName());
        return o;
    }

    /**
     * Reads a schedule as clients write it: {@code id}, {@code task}, {@code args}, {@code kwargs},
     * {@code priority}, and either {@code cron} (with {@code timezone}, UTC by default) or {@code every}, plus
     * {@code missed} and {@code overlap}.
     *
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static Schedule parse(JsonNode o, Source source) {
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("a schedule is a JSON object such as {\"id\": \"nightly-report\", "
                    + "\"task\": \"report\", \"cron\": \"0 3 * * 1-5\", \"timezone\": \"Europe/Berlin\"}");
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new IllegalArgumentException("unknown field '" + f + "'; a schedule may have: "
                        + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        String id = text(o, "id", true);
        String task = text(o, "task", true);
        JsonNode args = o.get("args");
        if (args != null && !args.isNull() && !args.isArray()) {
            throw new IllegalArgumentException("field 'args' must be a JSON array");
        }
        JsonNode kwargs = o.get("kwargs");
        if (kwargs != null && !kwargs.isNull() && !kwargs.isObject()) {
            throw new IllegalArgumentException("field 'kwargs' must be a JSON object");
        }
        String priority = text(o, "priority", false);
        String cron = text(o, "cron", false);
        String every = text(o, "every", false);
        String zone = text(o, "timezone", false);
        if ((cron == null) == (every == null)) {
            throw new IllegalArgumentException("a schedule has either 'cron' (e.g. \"0 3 * * 1-5\") or 'every' (e.g. "
                    + "\"30s\"), not " + (cron == null ? "neither" : "both"));
        }
        if (every != null && zone != null) {
            throw new IllegalArgumentException("'timezone' goes with 'cron'; 'every' ticks on multiples of its period "
                    + "since the epoch");
        }
        Timing timing;
        if (cron != null) {
            timing = new Timing.Cron(cron, Timing.zone(zone == null ? "UTC" : zone));
        } else {
            java.time.Duration d;
            try {
                d = Durations.parse(every);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("field 'every': " + e.getMessage());
            }
            timing = new Timing.Every(d);
        }
        return new Schedule(id, task, args == null || args.isNull() ? JsonNodeFactory.instance.arrayNode()
                : (ArrayNode) args.deepCopy(),
                kwargs == null || kwargs.isNull() ? JsonNodeFactory.instance.objectNode()
                        : (ObjectNode) kwargs.deepCopy(),
                priority == null ? null : parsePriority(priority), timing,
                choice(o, "missed", Missed.values(), Missed.SKIP), choice(o, "overlap", Overlap.values(),
                        Overlap.ALLOW),
                source);
    }

    private static Priority parsePriority(String p) {
        try {
            return Priority.parse(p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field 'priority': " + e.getMessage());
        }
    }

    private static <E extends Enum<E>> E choice(JsonNode o, String field, E[] values, E otherwise) {
        String v = text(o, field, false);
        if (v == null) {
            return otherwise;
        }
        for (E e : values) {
            if (e.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("field '" + field + "' must be one of " + String.join(", ",
                java.util.Arrays.stream(values).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                        .toList())
                + "; got '" + v + "'");
    }

    private static String text(JsonNode o, String field, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException("field '" + field + "' is required");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("field '" + field + "' must be a non-empty string");
        }
        return v.asText();
    }
}
