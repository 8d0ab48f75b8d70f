package io.fastworker.submission;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskOptions;
import io.fastworker.execution.TaskRegistry;
import io.fastworker.link.AnnouncedTasks;
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
public class AcceptedTasks {

    @Inject
    TaskRegistry registry;

    @Inject
    AnnouncedTasks announced;

    @Inject
    FastWorkerConfig.Tasks tasks;

    @Inject
    FastWorkerConfig.TaskDefaults taskDefaults;

    /** Every name a submission may use now, sorted. */
    public SortedSet<String> names() {
        TreeSet<String> names = new TreeSet<>(announced.names());
        names.addAll(declared());
        registry.definitions().forEach(d -> names.add(d.name()));
        return names;
    }

    /** Whether one of this application's own beans declares the task. */
    public boolean ownTask(String name) {
        return registry.find(name).isPresent();
    }

    /** The names {@code fastworker.tasks.declared} lists. */
    public List<String> declared() {
        return tasks.declared().orElse(List.of());
    }

    /**
     * The task's own definition, or for a task only announced or declared, the parameters and options a subworker
     * announced for it (if any) over the configured defaults.
     */
    public Optional<TaskDefinition> definition(String name) {
        Optional<TaskDefinition> own = registry.find(name);
        if (own.isPresent() || (!announced.contains(name) && !declared().contains(name))) {
            return own;
        }
        TaskOptions.Overrides options = announced.options(name);
        return Optional.of(new TaskDefinition(name, announced.parameters(name), TaskOptions.withDefaults(
                taskDefaults, options, "task '" + name + "'"), options, Optional.empty()));
    }
}
