package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An attempt a stopping subworker hands back unstarted ({@code fastworker.link.return}). */
public record Returned(String taskId, int attempt) {

    /** @throws MalformedMessageException fields of the wrong type */
    public static Returned read(JsonNode body) {
        return new Returned(Fields.optionalText(body, "taskId"), Fields.count(body, "attempt"));
    }

    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("taskId", taskId).put("attempt", attempt);
    }
}
