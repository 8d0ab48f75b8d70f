package io.fastworker.engine;

/**
 * The answer to one submission: the task accepted now, or ({@code repeated}) the one an earlier request with the same
 * idempotency key created. {@code view} is the task as it is now, or null when a repeated task's result is no
 * longer kept.
 */
public record Accepted(String id, String task, TaskView view, boolean repeated) {
}
