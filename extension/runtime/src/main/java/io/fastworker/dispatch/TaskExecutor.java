package io.fastworker.dispatch;

import io.fastworker.engine.Assignment;
import java.util.List;

/** Something that runs task attempts: the control plane's own threads, or one joined subworker. */
public interface TaskExecutor {

    /** Its worker id, as tasks and {@code GET /workers} show it. */
    String id();

    /** {@code local} or {@code subworker}, as the {@code executor} tag of {@code fastworker.tasks.dispatched}. */
    String kind();

    /**
     * Takes these attempts, at most as many as the free slots it last reported. Never blocks. An executor that
     * cannot take them any more (it left) hands them back to the engine itself.
     */
    void deliver(List<Assignment> attempts);
}
