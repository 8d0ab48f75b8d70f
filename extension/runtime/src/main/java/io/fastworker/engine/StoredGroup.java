package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A group as the task store keeps it until its result TTL has passed after it ended: its size, the submission to
 * make with all its results ({@code then}, null: none), and when every member had ended (null: not yet).
 */
public record StoredGroup(String id, int size, JsonNode then, Instant createdAt, Instant endedAt) {

    StoredGroup ended(Instant at) {
        return new StoredGroup(id, size, then, createdAt, at);
    }
}
