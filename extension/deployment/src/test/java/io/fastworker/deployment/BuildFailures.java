package io.fastworker.deployment;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;

/** Checks on the exception a build failed with. */
final class BuildFailures {

    private BuildFailures() {
    }

    /** Passes when the build failed with a message (anywhere in its causes) containing every one of {@code parts}. */
    static Consumer<Throwable> failsWith(String... parts) {
        return t -> {
            StringBuilder all = new StringBuilder();
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                all.append(c.getMessage()).append('\n');
            }
            for (String part : parts) {
                assertTrue(all.toString().contains(part), "expected '" + part + "' in:\n" + all);
            }
        };
    }
}
