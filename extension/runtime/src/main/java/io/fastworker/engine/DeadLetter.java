package io.fastworker.engine;

import java.util.Map;

/** A failed task kept for inspection and replay: what it was asked to do, and how it ended. */
record DeadLetter(TaskSpec spec, TaskView view, Map<String, String> trace) {
}
