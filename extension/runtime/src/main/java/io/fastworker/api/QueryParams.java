package io.fastworker.api;

import io.fastworker.execution.Durations;
import java.time.Duration;

/** Reads the API's numeric and duration query parameters, refusing bad ones with a {@code 400} that names them. */
final class QueryParams {

    private QueryParams() {
    }

    /** {@code value} as a whole number from {@code min} to {@code max}; {@code otherwise} when absent or blank. */
    static long number(String name, String value, long min, long max, long otherwise) {
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ProblemException.badRequest("query parameter '" + name + "' must be a whole number from " + min
                + (max == Long.MAX_VALUE ? "" : " to " + max) + ", got '" + value + "'");
    }

    /** {@link #number} for an {@code int}. */
    static int integer(String name, String value, int min, int max, int otherwise) {
        return (int) number(name, value, min, max, otherwise);
    }

    /**
     * {@code value} as a duration ({@code 10s}, {@code PT10S}, {@code 1.5}) of at most {@code max}, the value of the
     * setting {@code setting}; null when absent or blank.
     */
    static Duration duration(String name, String value, Duration max, String setting) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Duration d;
        try {
            d = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("query parameter '" + name + "': " + e.getMessage());
        }
        if (d.compareTo(max) > 0) {
            throw ProblemException.badRequest("query parameter '" + name + "' may be at most " + max + " (" + setting
                    + "), got " + d);
        }
        return d;
    }
}
