package io.fastworker.task;

import java.util.Objects;

/**
 * What a running task body may know about itself, e.g. to make a side effect idempotent across attempts (delivery
 * is at-least-once: the same task id may run again with a higher attempt number), and how it tells how far it got
 * ({@link #progress}). Available through {@link #current()} on the thread that runs the body.
 */
public final class TaskContext {

    /** Longest {@link #progress} message, in characters. */
    public static final int MAX_PROGRESS_MESSAGE = 200;

    /** For executors, not task bodies: where a body's progress reports go, and whether it was cancelled. */
    public interface Observer {
        /** A report the body made; called on the body's thread, already checked. Must not block. */
        void progress(double fraction, String message);

        /** Whether the attempt was asked to stop. */
        default boolean cancelled() {
            return false;
        }
    }

    private static final Observer IGNORED = (fraction, message) -> {};
    private static final ThreadLocal<TaskContext> CURRENT = new ThreadLocal<>();

    private final String taskId;
    private final String taskName;
    private final int attempt;
    private final int maxAttempts;
    private final Observer observer;

    /** A context whose progress reports go nowhere. */
    public TaskContext(String taskId, String taskName, int attempt, int maxAttempts) {
        this(taskId, taskName, attempt, maxAttempts, IGNORED);
    }

    /** For executors: a context whose progress reports go to {@code observer}. */
    public TaskContext(String taskId, String taskName, int attempt, int maxAttempts, Observer observer) {
        this.taskId = Objects.requireNonNull(taskId, "taskId");
        this.taskName = Objects.requireNonNull(taskName, "taskName");
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /** The task whose body runs on this thread, or null outside a task body. */
    public static TaskContext current() {
        return CURRENT.get();
    }

    /** The task's id, the same for every attempt. */
    public String taskId() {
        return taskId;
    }

    /** The task's name, as submitted. */
    public String taskName() {
        return taskName;
    }

    /** This attempt's number, from 1; a redelivery after a lost worker may exceed {@link #maxAttempts()}. */
    public int attempt() {
        return attempt;
    }

    /** The attempts the task may make in all. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * Tells how far this attempt got: {@code fraction} from 0 to 1, and an optional short message (at most
     * {@link #MAX_PROGRESS_MESSAGE} characters). Clients see the latest report while the task runs
     * ({@code GET /tasks/{id}}, the events feed, the dashboard). Cheap to call often: the executor passes on at most a
     * few reports per second per task, always including the latest after a pause. May be called from any thread while
     * the attempt runs; reports after it ended are ignored. Progress is not kept across a control-plane restart.
     *
     * @throws IllegalArgumentException when {@code fraction} is not from 0 to 1, or {@code message} is too long
     */
    public void progress(double fraction, String message) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("progress must be a fraction from 0 to 1, got " + fraction);
        }
        if (message != null && message.length() > MAX_PROGRESS_MESSAGE) {
            throw new IllegalArgumentException("a progress message takes at most " + MAX_PROGRESS_MESSAGE
                    + " characters, got " + message.length());
        }
        observer.progress(fraction, message);
    }

    /**
     * Whether this attempt was asked to stop: its task was cancelled while it ran. The body's thread is interrupted
     * too, so a body blocked in {@code sleep}, {@code wait} or interruptible I/O wakes with an
     * {@code InterruptedException}; a body that computes should check this now and then and return. Whatever it
     * returns then is dropped: the task ends {@code cancelled}. A body that has not returned within
     * {@code fastworker.cancel.grace} is abandoned (its thread left to finish).
     */
    public boolean cancelled() {
        return observer.cancelled();
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

    @Override
    public String toString() {
        return "TaskContext[taskId=" + taskId + ", taskName=" + taskName + ", attempt=" + attempt + ", maxAttempts="
                + maxAttempts + "]";
    }
}
