package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import java.time.Instant;
import java.util.Objects;

/**
 * A change of one accepted task after its acceptance, with every decision in it already made (the attempt's
 * number, the executor, the time, when a retry is due), so that applying it ({@link TaskLife#apply}) is
 * deterministic: the live path, the journal's replay and a replica apply the same commands the same way.
 */
sealed interface TaskCommand extends Command {

    /** The task it changes. */
    String id();

    /** When it happened. */
    Instant at();

    /** A scheduled or retrying task whose time has come is queued. */
    record Release(String id, TaskState from, Instant at) implements TaskCommand {
        public Release {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(at, "at");
            if (from != TaskState.SCHEDULED && from != TaskState.RETRYING) {
                throw new IllegalArgumentException("only a scheduled or retrying task is released, not " + from);
            }
        }
    }

    /** The task's next attempt, number {@code attempt}, starts on {@code executor}. */
    record Start(String id, int attempt, String executor, Instant at) implements TaskCommand {
        public Start {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(executor, "executor");
            Objects.requireNonNull(at, "at");
            if (attempt < 1) {
                throw new IllegalArgumentException("attempts are numbered from 1, got " + attempt);
            }
        }
    }

    /**
     * Attempt {@code attempt} ended: the task moves to {@code next} (success with its result, failure or retrying
     * with the error); a retry is due at {@code due}.
     */
    record End(String id, int attempt, TaskState next, JsonNode result, TaskError error, Instant at, Instant due)
            implements
                TaskCommand {
        public End {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(at, "at");
            if (next != TaskState.SUCCESS && next != TaskState.FAILURE && next != TaskState.RETRYING) {
                throw new IllegalArgumentException("an attempt ends in success, failure or retrying, not " + next);
            }
            if ((next == TaskState.SUCCESS) != (error == null)) {
                throw new IllegalArgumentException("a success has no error, a failure has one");
            }
            if ((next == TaskState.RETRYING) != (due != null)) {
                throw new IllegalArgumentException("a retry, and only a retry, has a due time");
            }
        }
    }

    /** A running attempt goes back to the queue: its executor was lost or returned it unstarted. */
    record HandBack(String id, int attempt, TaskError reason, Instant at) implements TaskCommand {
        public HandBack {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(at, "at");
        }
    }

    /** Withdrawn while it waited (queued, scheduled or retrying). */
    record Cancel(String id, Instant at) implements TaskCommand {
        public Cancel {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A running attempt asked to stop: the task is cancelling until that attempt ends, and its {@link End} or
     * {@link HandBack} then cancels it, whatever the outcome.
     */
    record Stop(String id, int attempt, Instant at) implements TaskCommand {
        public Stop {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(at, "at");
            if (attempt < 1) {
                throw new IllegalArgumentException("attempts are numbered from 1, got " + attempt);
            }
        }
    }

    /** A failed task queued again by request: a new attempt of the same task, its retry policy granted anew. */
    record Retry(String id, Instant at) implements TaskCommand {
        public Retry {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(at, "at");
        }
    }
}
