package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A schedule's state as the task store keeps it: its definition when it was made through the API (null for one
 * from configuration or {@code @Task}), whether it is paused, and its last run (null before the first).
 */
public record StoredSchedule(String id, JsonNode definition, boolean paused, Instant lastTick, String lastTaskId) {

    static StoredSchedule empty(String id) {
        return new StoredSchedule(id, null, false, null, null);
    }

    StoredSchedule withDefinition(JsonNode d) {
        return new StoredSchedule(id, d, paused, lastTick, lastTaskId);
    }

    StoredSchedule withPaused(boolean p) {
        return new StoredSchedule(id, definition, p, lastTick, lastTaskId);
    }

    StoredSchedule withRun(Instant tick, String taskId) {
        return new StoredSchedule(id, definition, paused, tick, taskId);
    }
}
