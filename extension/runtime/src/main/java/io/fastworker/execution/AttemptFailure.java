package io.fastworker.execution;

/** An attempt that failed for a reason the runtime found (arguments, result), with the error clients will see. */
final class AttemptFailure extends Exception {

    private final transient TaskError error;

    AttemptFailure(TaskError error) {
        super(error.type() + ": " + error.message(), null, false, false);
        this.error = error;
    }

    TaskError error() {
        return error;
    }
}
