package io.fastworker.engine;

/** What {@code cancel} did. */
public enum CancelOutcome {
    /** The task was withdrawn and is now {@code cancelled}. */
    CANCELLED,
    /** The task already runs or has finished; nothing changed. */
    NOT_CANCELLABLE,
    /** No task with that id is known (never submitted, or its result expired). */
    NOT_FOUND
}
