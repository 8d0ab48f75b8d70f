package io.fastworker.execution;

import io.quarkus.runtime.annotations.Recorder;
import java.util.List;
import java.util.function.Supplier;

/** Hands the task methods found at build time to the run time, as the {@link DeclaredTasks} bean. */
@Recorder
public class TaskRecorder {

    public Supplier<DeclaredTasks> declared(List<DeclaredTask> tasks) {
        DeclaredTasks declared = new DeclaredTasks(tasks);
        return () -> declared;
    }
}
