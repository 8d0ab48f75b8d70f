package io.fastworker.execution;

import io.quarkus.runtime.annotations.Recorder;
import java.util.List;

/** Hands the task methods found at build time to the runtime. */
@Recorder
public class TaskRecorder {

    /** @param taskMethods {@code class#method#parameter,names} of every {@code @Task} method */
    public void declare(List<String> taskMethods) {
        TaskRegistry.declare(taskMethods);
    }
}
