package io.fastworker.execution;

import io.fastworker.limit.Limit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A task the control plane accepts: its name, its parameters (names, in order; empty when not known, e.g. for a
 * task a subworker announced without them), its default options, the options its {@code @Task} (or a subworker's
 * announcement) sets over the configured defaults ({@code declared}), and the limit its {@code @Task} sets, if any.
 */
public record TaskDefinition(String name, Optional<List<String>> parameters, TaskOptions defaults,
        TaskOptions.Overrides declared, Optional<Limit> limit) {

    public TaskDefinition {
        Objects.requireNonNull(name, "name");
        parameters = parameters.map(List::copyOf);
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(declared, "declared");
        Objects.requireNonNull(limit, "limit");
    }
}
