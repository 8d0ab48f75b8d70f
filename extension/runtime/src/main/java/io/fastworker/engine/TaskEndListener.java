package io.fastworker.engine;

import java.util.Map;

/**
 * Told when a task has ended (success, failure or cancelled), after its result is readable: callbacks, chains and
 * groups follow up on it. Called on whichever thread ended the task: return at once, never block.
 */
public interface TaskEndListener {

    /**
     * {@code trace}: the W3C trace headers of the task's submission (empty when untraced). {@code afterRestart}: the
     * task ended before the control plane restarted, and is told again (it may have been followed up on already).
     */
    void taskEnded(TaskView view, TaskSpec spec, Map<String, String> trace, boolean afterRestart);
}
