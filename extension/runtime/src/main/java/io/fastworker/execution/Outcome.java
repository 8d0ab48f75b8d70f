package io.fastworker.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

/** How one attempt ended: its result, or the error that ended it. */
public record Outcome(JsonNode result, TaskError error) {

    public Outcome {
        if (error == null && result == null) {
            result = NullNode.getInstance();
        }
        if (error != null && result != null) {
            throw new IllegalArgumentException("an attempt has a result or an error, not both");
        }
    }

    public static Outcome success(JsonNode result) {
        return new Outcome(result, null);
    }

    public static Outcome failure(TaskError error) {
        return new Outcome(null, error);
    }

    public boolean ok() {
        return error == null;
    }
}
