package io.fastworker.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.Attempt;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;

/**
 * A task sent to a subworker ({@code fastworker.worker.<workerId>}): one {@link Attempt}, its arguments written as
 * they were parsed (no re-encoding), its trace either in the frame's headers (one task per frame) or in its own
 * {@code "trace"} (several per frame).
 */
public final class TaskMessage {

    private TaskMessage() {
    }

    /** The attempt's body as JSON bytes, with its trace inside when {@code withTrace}. */
    public static byte[] write(JsonFactory json, Attempt t, boolean withTrace) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("taskId", t.taskId());
            g.writeNumberField("attempt", t.number());
            g.writeNumberField("maxAttempts", t.maxAttempts());
            g.writeStringField("task", t.task());
            g.writeStringField("priority", t.priority());
            g.writeFieldName("args");
            g.writeTree(t.args());
            g.writeFieldName("kwargs");
            g.writeTree(t.kwargs());
            g.writeNumberField("timeoutMs", t.timeout().toMillis());
            if (withTrace && !t.trace().isEmpty()) {
                g.writeObjectFieldStart("trace");
                for (Map.Entry<String, String> e : t.trace().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("task " + t.taskId() + " cannot be written as JSON", e);
        }
        return out.toByteArray();
    }

    /**
     * The attempt a task body describes, its trace from {@code traceFrom} (the frame's headers, or the task's own
     * {@code "trace"}); its arguments are the nodes parsed from the frame, not copies.
     *
     * @throws IllegalArgumentException a field missing, of the wrong type or out of range (the message says which)
     */
    public static Attempt read(JsonNode t, JsonNode traceFrom) {
        JsonNode args = t.path("args");
        JsonNode kwargs = t.path("kwargs");
        if (!t.path("taskId").isTextual() || !t.path("task").isTextual() || !t.path("attempt").isInt()
                || !t.path("maxAttempts").isInt() || !t.path("timeoutMs").canConvertToLong()
                || !(args.isMissingNode() || args.isArray()) || !(kwargs.isMissingNode() || kwargs.isObject())) {
            throw new MalformedMessageException("a task needs taskId, task, attempt, maxAttempts, timeoutMs and "
                    + "array args / object kwargs");
        }
        return new Attempt(t.get("taskId").asText(), t.get("task").asText(), t.path("priority").asText("normal"),
                t.get("attempt").asInt(), t.get("maxAttempts").asInt(),
                args.isArray() ? (ArrayNode) args : JsonNodeFactory.instance.arrayNode(),
                kwargs.isObject() ? (ObjectNode) kwargs : JsonNodeFactory.instance.objectNode(),
                Duration.ofMillis(t.get("timeoutMs").asLong()), trace(traceFrom));
    }

    /** The W3C trace headers among {@code headers}, if any. */
    private static Map<String, String> trace(JsonNode headers) {
        if (headers == null || !headers.path("traceparent").isTextual()) {
            return Map.of();
        }
        String parent = headers.get("traceparent").asText();
        return headers.path("tracestate").isTextual()
                ? Map.of("traceparent", parent, "tracestate", headers.get("tracestate").asText())
                : Map.of("traceparent", parent);
    }
}
