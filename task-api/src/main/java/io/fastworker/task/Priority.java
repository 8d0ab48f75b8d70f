package io.fastworker.task;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Task priorities in dispatch order: every critical task goes before any high one, and so on. */
public enum Priority {
    CRITICAL, HIGH, NORMAL, LOW;

    /** The valid names, as clients write them. */
    public static final String NAMES = Arrays.stream(values()).map(Priority::wireName)
            .collect(Collectors.joining(", "));

    /** The name as it appears in JSON and on the command line: {@code critical}, {@code high}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a priority name (case-insensitive).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static Priority parse(String value) {
        for (Priority p : values()) {
            if (p.name().equalsIgnoreCase(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown priority '" + value + "'; valid priorities: " + NAMES);
    }
}
