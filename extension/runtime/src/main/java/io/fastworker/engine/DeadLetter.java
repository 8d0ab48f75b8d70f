package io.fastworker.engine;

import java.util.Map;

/** A failed task kept for inspection and replay: what it was asked to do, and how it ended. */
record DeadLetter(TaskSpec spec, TaskView view, Map<String, String> trace) {

    /** The task as it failed, to be retried by request: a record in state failure, its life as it ended. */
    TaskRecord record(long seq) {
        return TaskRecord.restored(spec, view.submittedAt(), trace, TaskLife.of(view,
                view.maxAttempts() - spec.options().maxAttempts(), null), seq);
    }
}
