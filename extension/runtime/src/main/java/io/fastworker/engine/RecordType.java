package io.fastworker.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * The kinds of record in the task store's journal, each the encoding of one {@link Command}; its {@link #code} is
 * the record's {@code "e"} field. Codes are short because every task writes several records.
 */
enum RecordType {
    /** A task accepted, with its spec, trace and claims ({@link Command.Accept}). */
    ACCEPTED("a"),
    /** A scheduled or retrying task queued at its due time ({@link TaskCommand.Release}). */
    RELEASED("q"),
    /** An attempt started on an executor ({@link TaskCommand.Start}). */
    STARTED("s"),
    /** An attempt ended: success, retrying or failure ({@link TaskCommand.End}). */
    ENDED("e"),
    /** A running attempt handed back to the queue ({@link TaskCommand.HandBack}). */
    HANDED_BACK("h"),
    /** A waiting task cancelled ({@link TaskCommand.Cancel}). */
    CANCELLED("c"),
    /** A running attempt asked to stop ({@link TaskCommand.Stop}). */
    STOPPING("x"),
    /** A failed task queued again by request ({@link TaskCommand.Retry}). */
    RETRIED("r"),
    /** A dead letter deleted ({@link Command.DeleteDeadLetter}). */
    DEAD_LETTER_DELETED("d"),
    /** A limit set or removed through the API ({@link Command.SetLimit}). */
    LIMIT_SET("l"),
    /** A schedule made or replaced through the API ({@link Command.DefineSchedule}). */
    SCHEDULE_DEFINED("S"),
    /** A schedule deleted, with its state ({@link Command.DefineSchedule} without a definition). */
    SCHEDULE_DELETED("SX"),
    /** A schedule paused or resumed ({@link Command.PauseSchedule}). */
    SCHEDULE_PAUSED("SP"),
    /** A schedule's last run, as a snapshot keeps it ({@link Command.ScheduleRan}). */
    SCHEDULE_RAN("SF"),
    /** A group made, or kept by a snapshot ({@link Command.KeepGroup}). */
    GROUP_KEPT("G"),
    /** Every member of a group ended ({@link Command.EndGroup}). */
    GROUP_ENDED("GE"),
    /** A group forgotten, its members refused ({@link Command.ForgetGroup}). */
    GROUP_FORGOTTEN("GX"),
    /** Snapshot: one task's whole state, unfinished or finished with its result kept ({@link Command.RestoreTask}). */
    TASK("t"),
    /** Snapshot: a dead letter, with what its task was asked to do ({@link Command.RestoreDeadLetter}). */
    DEAD_LETTER("D"),
    /** Snapshot: an idempotency key or client-chosen id within its window ({@link Command.RestoreClaim}). */
    CLAIM("k");

    private static final Map<String, RecordType> BY_CODE = new HashMap<>();

    static {
        for (RecordType t : values()) {
            BY_CODE.put(t.code, t);
        }
    }

    /** The record's {@code "e"} field. */
    final String code;

    RecordType(String code) {
        this.code = code;
    }

    /** The type of a record's code; null for a code this version does not know. */
    static RecordType of(String code) {
        return BY_CODE.get(code);
    }
}
