package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * An attempt a re-joining subworker still holds: its body runs, or its result has not been sent yet (protocol 2,
 * {@code "holding": [{"taskId", "attempt"}]} in a join). The control plane keeps such an attempt's lease instead of
 * running it again, if its state knows the attempt as running on that very subworker.
 */
public record Held(String taskId, int attempt) {

    /** Longest task id a subworker may report. */
    public static final int MAX_ID = 256;

    public Held {
        if (taskId == null || taskId.isEmpty() || taskId.length() > MAX_ID) {
            throw new MalformedMessageException("holding: a taskId must be 1 to " + MAX_ID + " characters");
        }
        if (attempt < 1) {
            throw new MalformedMessageException("holding: an attempt is a whole number from 1, got " + attempt);
        }
    }

    /**
     * The attempts a join's {@code holding} lists (none when absent), at most {@code max} of them.
     *
     * @throws MalformedMessageException the field is of the wrong shape, or lists more than {@code max}
     */
    static List<Held> readAll(JsonNode holding, int max) {
        if (holding == null || holding.isNull()) {
            return List.of();
        }
        if (!holding.isArray()) {
            throw new MalformedMessageException("holding, when given, must be an array of {taskId, attempt}");
        }
        if (holding.size() > max) {
            throw new MalformedMessageException("holding lists " + holding.size() + " attempts, more than twice the "
                    + "concurrency (" + max + ") a subworker can hold");
        }
        LinkedHashSet<Held> out = new LinkedHashSet<>();
        for (JsonNode h : holding) {
            JsonNode id = h.get("taskId");
            JsonNode attempt = h.get("attempt");
            if (id == null || !id.isTextual() || !Fields.isInt(attempt)) {
                throw new MalformedMessageException("holding, when given, must be an array of {taskId, attempt}");
            }
            out.add(new Held(id.textValue(), attempt.intValue()));
        }
        return List.copyOf(new ArrayList<>(out));
    }

    /** Appends this attempt as a join writes it. */
    void writeTo(ArrayNode holding) {
        holding.addObject().put("taskId", taskId).put("attempt", attempt);
    }
}
