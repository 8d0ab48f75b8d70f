package io.fastworker.api;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskOptions;
import io.fastworker.execution.TaskRegistry;
import io.fastworker.link.RemoteWorkers;
import io.fastworker.task.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The tasks this control plane accepts: those its own beans declare, those a subworker announced since start, and
 * those {@code fastworker.tasks.declared} lists. Anything else is refused at submission.
 */
@ApplicationScoped
class AcceptedTasks {

    @Inject
    TaskRegistry registry;

    @Inject
    RemoteWorkers remote;

    @Inject
    FastWorkerConfig config;

    SortedSet<String> names() {
        TreeSet<String> names = new TreeSet<>(remote.announced());
        names.addAll(declared());
        registry.definitions().forEach(d -> names.add(d.name()));
        return names;
    }

    /** Whether one of this application's own beans declares the task. */
    boolean ownTask(String name) {
        return registry.find(name).isPresent();
    }

    List<String> declared() {
        return config.tasks().declared().orElse(List.of());
    }

    /**
     * The task's own definition, or for a task only announced or declared, its announced parameters (if any) with
     * the configured default options.
     */
    Optional<TaskDefinition> definition(String name) {
        Optional<TaskDefinition> own = registry.find(name);
        if (own.isPresent() || (!remote.announced().contains(name) && !declared().contains(name))) {
            return own;
        }
        FastWorkerConfig.TaskDefaults d = config.taskDefaults();
        return Optional.of(new TaskDefinition(name, remote.parameters(name), new TaskOptions(Priority.NORMAL,
                d.maxRetries(), d.retryDelay(), d.retryBackoff(), d.retryBackoffMax(), d.timeout()), Optional.empty()));
    }
}
