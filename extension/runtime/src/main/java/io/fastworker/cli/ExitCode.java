package io.fastworker.cli;

/** The CLI's exit statuses, for scripts. */
final class ExitCode {
    static final int OK = 0;
    static final int TASK_FAILED_OR_NOT_FOUND = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;
    /** {@code submit} waited {@code --wait-timeout} and the task had not finished (it may still succeed). */
    static final int STILL_RUNNING = 4;
    /** The control plane refused the caller: no or a bad API key (401), or a key without the role (403). */
    static final int NOT_ALLOWED = 5;

    private ExitCode() {
    }
}
