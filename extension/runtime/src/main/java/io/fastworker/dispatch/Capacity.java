package io.fastworker.dispatch;

import java.util.Set;

/**
 * What one executor offers at one moment: the task names it runs and its free slots. Only the dispatcher takes
 * slots, so between two snapshots an executor's free slots can only grow.
 */
public record Capacity(TaskExecutor executor, Set<String> tasks, int free) {

    public Capacity {
        tasks = Set.copyOf(tasks);
        if (free < 0) {
            throw new IllegalArgumentException("free slots must not be negative, got " + free);
        }
    }
}
