package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Free slots a subworker grants ({@code fastworker.link.credit}): it may be sent that many more tasks. */
public record Credit(int credits) {

    public Credit {
        if (credits < 0) {
            throw new IllegalArgumentException("credits must not be negative, got " + credits);
        }
    }

    /** @throws MalformedMessageException credits that are no whole number */
    public static Credit read(JsonNode body) {
        return new Credit(Fields.count(body, "credits"));
    }

    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("credits", credits);
    }
}
