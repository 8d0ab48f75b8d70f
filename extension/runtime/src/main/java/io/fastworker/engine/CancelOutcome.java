package io.fastworker.engine;

/** What {@code cancel} did. */
public enum CancelOutcome {
    /** The task was withdrawn and is now {@code cancelled}. */
    CANCELLED,
    /** The task runs: its executor was asked to stop it; it is {@code cancelling} until the attempt ends. */
    CANCELLING,
    /** The task has finished; nothing changed. */
    NOT_CANCELLABLE,
    /** No task with that id is known (never submitted, or its result expired). */
    NOT_FOUND
}
