package io.fastworker.queue;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The life of a task. {@link #ALLOWED} is the one table of legal moves; everything that changes a task's state
 * goes through {@link #canMoveTo}.
 */
public enum TaskState {
    /** Waiting in the ready queue for a free executor. */
    QUEUED,
    /** Waiting for its countdown or ETA; not in the ready queue yet. */
    SCHEDULED,
    /** An attempt is executing. */
    RUNNING,
    /** Finished with a result. */
    SUCCESS,
    /** Finished with an error after its last attempt. */
    FAILURE,
    /** An attempt failed and the next one waits for its backoff delay. */
    RETRYING,
    /** Withdrawn before it ran, or stopped while it ran. */
    CANCELLED,
    /** Asked to stop while an attempt ran: its executor interrupts it, and it is cancelled once the attempt ends. */
    CANCELLING;

    private static final Map<TaskState, Set<TaskState>> ALLOWED = new EnumMap<>(TaskState.class);

    static {
        ALLOWED.put(QUEUED, EnumSet.of(RUNNING, CANCELLED));
        ALLOWED.put(SCHEDULED, EnumSet.of(QUEUED, CANCELLED));
        // RUNNING -> QUEUED: an attempt handed back (executor lost or draining) is queued again.
        // RUNNING -> CANCELLING: a cancel while it runs; CANCELLING -> CANCELLED once that attempt ended, however.
        ALLOWED.put(RUNNING, EnumSet.of(SUCCESS, FAILURE, RETRYING, QUEUED, CANCELLING));
        ALLOWED.put(CANCELLING, EnumSet.of(CANCELLED));
        ALLOWED.put(RETRYING, EnumSet.of(QUEUED, CANCELLED));
        ALLOWED.put(SUCCESS, EnumSet.noneOf(TaskState.class));
        // FAILURE -> QUEUED: a failed task retried by request (its dead letter replayed).
        ALLOWED.put(FAILURE, EnumSet.of(QUEUED));
        ALLOWED.put(CANCELLED, EnumSet.noneOf(TaskState.class));
    }

    private static final Set<TaskState> TERMINAL = EnumSet.of(SUCCESS, FAILURE, CANCELLED);

    public boolean canMoveTo(TaskState next) {
        return ALLOWED.get(this).contains(next);
    }

    /** Whether the task has ended: its result or error is final (a failed one may be retried by request). */
    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a state name as clients write it (case-insensitive). */
    public static TaskState parse(String value) {
        for (TaskState s : values()) {
            if (s.name().equalsIgnoreCase(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown status '" + value + "'; valid statuses: queued, scheduled, "
                + "running, success, failure, retrying, cancelled, cancelling");
    }
}
