package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskProgress;
import io.fastworker.task.TaskContext;

/**
 * How far a running attempt got ({@code fastworker.link.progress}, protocol 3): a fraction from 0 to 1 and an
 * optional message of at most {@link TaskContext#MAX_PROGRESS_MESSAGE} characters.
 */
public record Progress(String taskId, int attempt, double fraction, String message) {

    public Progress {
        if (taskId == null) {
            throw new MalformedMessageException("'taskId' must be a string");
        }
        if (attempt < 1) {
            throw new MalformedMessageException("'attempt' must be 1 or more");
        }
        String problem = TaskProgress.problem(fraction, message);
        if (problem != null) {
            throw new MalformedMessageException(problem);
        }
    }

    /** @throws MalformedMessageException a field missing, of the wrong type or out of range */
    public static Progress read(JsonNode body) {
        JsonNode f = body.get("fraction");
        if (f == null || !f.isNumber()) {
            throw new MalformedMessageException("'fraction' must be a number from 0 to 1");
        }
        return new Progress(Fields.text(body, "taskId"), Fields.count(body, "attempt"), f.doubleValue(),
                Fields.optionalText(body, "message"));
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("taskId", taskId).put("attempt", attempt)
                .put("fraction", fraction);
        if (message != null) {
            o.put("message", message);
        }
        return o;
    }
}
