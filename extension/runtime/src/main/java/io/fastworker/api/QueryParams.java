package io.fastworker.api;

/** Reads the API's numeric query parameters, refusing bad ones with a {@code 400} that names them. */
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
}
