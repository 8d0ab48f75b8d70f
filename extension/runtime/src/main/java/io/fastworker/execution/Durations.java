package io.fastworker.execution;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations clients write: ISO-8601 ({@code PT1.5S}), a number of seconds, or a number with a unit. */
public final class Durations {

    private static final Pattern WITH_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)?");

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException with a message a person can act on, for text that is no duration or is
     *         negative
     */
    public static Duration parse(String text) {
        String t = text.trim();
        if (t.startsWith("P") || t.startsWith("p") || t.startsWith("-P")) {
            try {
                return nonNegative(text, Duration.parse(t.toUpperCase()));
            } catch (DateTimeParseException e) {
                throw invalid(text);
            }
        }
        Matcher m = WITH_UNIT.matcher(t);
        if (!m.matches()) {
            throw invalid(text);
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        BigDecimal millis = switch (unit) {
            case "ms" -> amount;
            case "s" -> amount.movePointRight(3);
            case "m" -> amount.multiply(BigDecimal.valueOf(60_000));
            case "h" -> amount.multiply(BigDecimal.valueOf(3_600_000));
            default -> amount.multiply(BigDecimal.valueOf(86_400_000));
        };
        try {
            return Duration.ofNanos(millis.movePointRight(6).longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("duration '" + text + "' is too large");
        }
    }

    /** Seconds as a JSON number (may have a fraction). */
    public static Duration ofSeconds(double seconds) {
        if (!(seconds >= 0) || seconds > 9.2e9) {
            throw new IllegalArgumentException("duration must be a number of seconds from 0 to 9.2e9, got " + seconds);
        }
        return Duration.ofNanos((long) (seconds * 1e9));
    }

    private static Duration nonNegative(String text, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("duration '" + text + "' is negative");
        }
        return d;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration; write seconds (60, 1.5), a number "
                + "with a unit (500ms, 30s, 5m, 1h, 1d) or ISO-8601 (PT60S)");
    }
}
