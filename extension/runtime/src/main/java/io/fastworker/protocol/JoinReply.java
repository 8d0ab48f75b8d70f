package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The control plane's answer to a join that it took: the protocol it speaks, whether it applies the options the
 * subworker announced ({@code taskOptions}), how often to beat, the largest frame it takes and the largest result.
 * In a cluster, {@code term} is the leader's Raft term (0 alone): a subworker drops a link to a leader of a term older
 * than one it has joined. A refused join is answered with a failed reply instead ({@code failureCode},
 * {@code message}).
 */
public record JoinReply(int protocol, boolean taskOptions, long heartbeatIntervalMs, long maxFrameSize,
        long maxResultSize, long term) {

    public ObjectNode toJson() {
        return JsonNodeFactory.instance.objectNode().put("ok", true).put("protocol", protocol)
                .put("taskOptions", taskOptions).put("heartbeatIntervalMs", heartbeatIntervalMs)
                .put("maxFrameSize", maxFrameSize).put("maxResultSize", maxResultSize).put("term", term);
    }

    /**
     * The reply a body holds; a field a control plane leaves out, or sends as no positive whole number, is 0 (the
     * subworker keeps its own setting).
     */
    public static JoinReply read(JsonNode body) {
        return new JoinReply(body.path("protocol").asInt(0), body.path("taskOptions").asBoolean(false),
                positive(body.path("heartbeatIntervalMs")), positive(body.path("maxFrameSize")),
                positive(body.path("maxResultSize")), positive(body.path("term")));
    }

    private static long positive(JsonNode v) {
        return v.isIntegralNumber() && v.canConvertToLong() && v.longValue() > 0 ? v.longValue() : 0;
    }
}
