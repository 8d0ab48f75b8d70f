package io.fastworker.task;

/**
 * What a running task body may know about itself, e.g. to make a side effect idempotent across attempts.
 * Available through {@link #current()} on the thread that runs the body.
 */
public record TaskContext(String taskId, String taskName, int attempt, int maxAttempts) {

    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    /** The task whose body runs on this thread, or null outside a task body. */
    public static TaskContext current() {
        return CURRENT.get();
    }

    static void set(TaskContext context) {
        if (context == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(context);
        }
    }
}
