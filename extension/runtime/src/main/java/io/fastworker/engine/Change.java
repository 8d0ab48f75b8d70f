package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import java.time.Instant;

/**
 * A state change of one accepted task. {@link TaskEngine} applies every one through a single method, which checks
 * the transition table (in the task's record), journals it and tells the observers.
 */
sealed interface Change {

    /** A scheduled or retrying task whose time has come is queued (not journaled: its due time is). */
    record Release(TaskState from) implements Change {
    }

    /** The next attempt starts on {@code executor}. */
    record Start(String executor, Instant at) implements Change {
    }

    /** Attempt {@code attempt} ended; {@code due} is when a retry is due. */
    record End(int attempt, TaskState next, JsonNode result, TaskError error, Instant at, Instant due)
            implements
                Change {
    }

    /** A running attempt comes back to the queue (its executor was lost or returned it). */
    record HandBack(int attempt, TaskError reason, Instant at) implements Change {
    }

    /** Withdrawn while it waited. */
    record Cancel(Instant at) implements Change {
    }
}
