package io.fastworker.engine;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/**
 * One page of a list of tasks ({@code GET /tasks}, {@code GET /dead-letters}): how many match in all, and the
 * page's tasks, newest first.
 */
@RegisterForReflection
public record TaskPage(int total, List<TaskView> items) {
}
