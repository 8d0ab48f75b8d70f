package io.fastworker.engine;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.Objects;

/** The schedule that submitted a task, and the tick it submitted it for. */
@RegisterForReflection
public record FromSchedule(String id, Instant tick) {

    public FromSchedule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tick, "tick");
    }
}
