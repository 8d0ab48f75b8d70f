package io.fastworker.engine;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/** A task's place in a chain: the chain's id (its first task's), this step (0 first) and how many steps it has. */
@RegisterForReflection
public record ChainStep(String id, int step, int steps) {

    public ChainStep {
        Objects.requireNonNull(id, "id");
        if (step < 0 || steps < 1 || step >= steps) {
            throw new IllegalArgumentException("step " + step + " of " + steps);
        }
    }

    /** The id of step {@code step} of the chain whose first task is {@code root}: {@code <root>:then-<step>}. */
    public static String taskId(String root, int step) {
        if (step == 0) {
            return root;
        }
        String suffix = ":then-" + step;
        return root.length() + suffix.length() <= 128 ? root + suffix
                : UUID.nameUUIDFromBytes((root + suffix).getBytes(StandardCharsets.UTF_8)) + suffix;
    }

    /** The next step of the chain. */
    public ChainStep next() {
        return new ChainStep(id, step + 1, steps);
    }
}
