package io.fastworker.submission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.Durations;
import io.fastworker.execution.TaskOptions;
import io.fastworker.task.Priority;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.function.Predicate;

/** The fields of a submission that shape when and how it runs: its options, its countdown or ETA. */
final class OptionFields {

    /** Furthest ahead a countdown or ETA may lie. */
    static final Duration MAX_COUNTDOWN = Duration.ofDays(366);

    private OptionFields() {
    }

    /** The options the submission sets; their ranges are checked where they are merged ({@link TaskOptions}). */
    static TaskOptions.Overrides overrides(JsonNode body) {
        try {
            Priority priority = null;
            JsonNode p = body.get("priority");
            if (p != null && !p.isNull()) {
                if (!p.isTextual()) {
                    throw new IllegalArgumentException("'priority' must be one of " + Priority.NAMES
                            + " as a string, got " + kind(p));
                }
                priority = Priority.parse(p.asText());
            }
            Integer maxRetries = null;
            JsonNode retries = body.get("maxRetries");
            if (retries != null && !retries.isNull()) {
                if (!retries.isIntegralNumber() || !retries.canConvertToInt()) {
                    throw new IllegalArgumentException("'maxRetries' must be a whole number from 0 to "
                            + TaskOptions.MAX_RETRIES + ", got " + retries);
                }
                maxRetries = retries.asInt();
            }
            Double backoff = null;
            JsonNode b = body.get("retryBackoff");
            if (b != null && !b.isNull()) {
                if (!b.isNumber()) {
                    throw new IllegalArgumentException("'retryBackoff' must be a number from 1.0 to "
                            + TaskOptions.MAX_RETRY_BACKOFF + ", got " + kind(b));
                }
                backoff = b.asDouble();
            }
            return new TaskOptions.Overrides(priority, maxRetries, duration(body, "retryDelay"), backoff,
                    duration(body, "retryBackoffMax"), duration(body, "timeout"));
        } catch (IllegalArgumentException e) {
            throw InvalidSubmissionException.invalid("field " + e.getMessage());
        }
    }

    /** When the task may run first: {@code now} plus its countdown, its ETA, or null for at once. */
    static Instant notBefore(JsonNode body, Instant now) {
        JsonNode eta = body.get("eta");
        Duration countdown;
        try {
            countdown = duration(body, "countdown");
        } catch (IllegalArgumentException e) {
            throw InvalidSubmissionException.invalid("field " + e.getMessage());
        }
        if (eta != null && !eta.isNull()) {
            if (countdown != null) {
                throw InvalidSubmissionException.invalid("give either 'countdown' or 'eta', not both");
            }
            Instant at = eta(eta);
            if (Duration.between(now, at).compareTo(MAX_COUNTDOWN) > 0) {
                throw InvalidSubmissionException.invalid("field 'eta' lies more than " + MAX_COUNTDOWN.toDays()
                        + " days ahead");
            }
            return at;
        }
        if (countdown == null) {
            return null;
        }
        if (countdown.compareTo(MAX_COUNTDOWN) > 0) {
            throw InvalidSubmissionException.invalid("field 'countdown' must be at most " + MAX_COUNTDOWN.toDays()
                    + " days, got " + countdown);
        }
        return now.plus(countdown);
    }

    private static Instant eta(JsonNode eta) {
        String expected = "field 'eta' must be an ISO-8601 time with offset such as \"2026-01-31T12:00:00Z\", got ";
        if (!eta.isTextual()) {
            throw InvalidSubmissionException.invalid(expected + kind(eta));
        }
        try {
            return OffsetDateTime.parse(eta.asText()).toInstant();
        } catch (DateTimeParseException e) {
            throw InvalidSubmissionException.invalid(expected + "\"" + eta.asText() + "\"");
        }
    }

    private static Duration duration(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            if (node.isNumber()) {
                return Durations.ofSeconds(node.asDouble());
            }
            if (node.isTextual()) {
                return Durations.parse(node.asText());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + field + "': " + e.getMessage());
        }
        throw new IllegalArgumentException("'" + field + "' must be seconds as a number or a duration string such "
                + "as \"PT30S\" or \"30s\", got " + kind(node));
    }

    /** The field as {@code type}, or {@code fallback} when absent or null. */
    static <T extends JsonNode> T optional(JsonNode body, String field, Predicate<JsonNode> ok, String expected,
            Class<T> type, T fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!ok.test(node)) {
            throw InvalidSubmissionException.invalid("field '" + field + "' must be " + expected + ", got "
                    + kind(node));
        }
        return type.cast(node);
    }

    /** What a JSON value is, for a refusal: {@code string}, {@code number}, {@code nothing}... */
    static String kind(JsonNode node) {
        return node == null ? "nothing" : node.getNodeType().name().toLowerCase();
    }
}
