package io.fastworker.task;

/**
 * What a running task body may know about itself, e.g. to make a side effect idempotent across attempts (delivery
 * is at-least-once: the same task id may run again with a higher attempt number). Available through
 * {@link #current()} on the thread that runs the body.
 */
public record TaskContext(String taskId, String taskName, int attempt, int maxAttempts) {

    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    /** The task whose body runs on this thread, or null outside a task body. */
    public static TaskContext current() {
        return CURRENT.get();
    }

    /** Ends what {@link #enter} began. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * For executors, not task bodies: makes {@code context} current on this thread until the returned scope is
     * closed.
     */
    public static Scope enter(TaskContext context) {
        CURRENT.set(context);
        return CURRENT::remove;
    }
}
