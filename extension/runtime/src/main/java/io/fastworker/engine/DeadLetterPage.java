package io.fastworker.engine;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.List;

/** One page of dead letters, newest failure first, and how many match in all. */
@RegisterForReflection
public record DeadLetterPage(int total, List<TaskView> items) {
}
