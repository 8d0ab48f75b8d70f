package io.fastworker.task;

import java.util.List;
import java.util.Objects;

/** A registered task: its name, its parameters (names, in order) and its default options. */
public record TaskDefinition(String name, List<String> parameters, TaskOptions defaults) {

    public TaskDefinition {
        Objects.requireNonNull(name, "name");
        parameters = List.copyOf(parameters);
        Objects.requireNonNull(defaults, "defaults");
    }
}
