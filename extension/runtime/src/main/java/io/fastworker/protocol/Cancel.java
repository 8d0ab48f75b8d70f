package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The control plane asks a subworker to stop one running attempt (protocol 3): a message to the subworker's address
 * whose body is {@code {"cancel": {"taskId", "attempt"}}}. The subworker interrupts that attempt's body; an attempt it
 * does not run (any more) is ignored.
 */
public record Cancel(String taskId, int attempt) {

    public Cancel {
        if (taskId == null) {
            throw new MalformedMessageException("'taskId' must be a string");
        }
        if (attempt < 1) {
            throw new MalformedMessageException("'attempt' must be 1 or more");
        }
    }

    /** Whether a message to a subworker's address is a cancel (else it carries tasks). */
    public static boolean isCancel(JsonNode body) {
        return body.has("cancel");
    }

    /** @throws MalformedMessageException a field missing or of the wrong type */
    public static Cancel read(JsonNode body) {
        JsonNode c = body.path("cancel");
        if (!c.isObject()) {
            throw new MalformedMessageException("'cancel' must be an object");
        }
        return new Cancel(Fields.text(c, "taskId"), Fields.count(c, "attempt"));
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.putObject("cancel").put("taskId", taskId).put("attempt", attempt);
        return o;
    }
}
