package io.fastworker.execution;

import java.util.List;

/**
 * The {@link io.fastworker.task.Task} methods of this application, as the build found and checked them: a bean made
 * at build time, so that the run time never looks for or re-reads an annotation.
 */
public record DeclaredTasks(List<DeclaredTask> tasks) {

    public DeclaredTasks {
        tasks = List.copyOf(tasks);
    }
}
