package io.fastworker.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The link protocol between the control plane and subworkers, in the Vert.x TCP event-bus bridge frame format
 * (4-byte big-endian length, then a JSON object): addresses, and the frames both ends write ({@link FrameReader}
 * reads them; the messages they carry are {@link Join}, {@link JoinReply}, {@link TaskMessage}, {@link Result},
 * {@link Credit}, {@link Returned}, {@link Progress}). See {@code docs/PROTOCOL.md}.
 */
public final class LinkProtocol {

    /**
     * The version this side speaks. Version 2 added a join's {@code holding} and the reply's {@code term}, which a
     * version-1 peer leaves out or ignores: a control plane takes joins of either. Version 3 added
     * {@link #PROGRESS}, which a subworker sends only to a control plane whose join reply says 3 or more, and
     * {@link Cancel}, which a control plane sends only to a subworker that joined with 3 or more.
     */
    public static final int VERSION = 3;
    /** The first version that takes {@link #PROGRESS}. */
    public static final int PROGRESS_SINCE = 3;
    /** The first version that takes a {@link Cancel}. */
    public static final int CANCEL_SINCE = 3;

    public static final String JOIN = "fastworker.link.join";
    public static final String CREDIT = "fastworker.link.credit";
    public static final String RESULT = "fastworker.link.result";
    public static final String HEARTBEAT = "fastworker.link.heartbeat";
    public static final String DRAIN = "fastworker.link.drain";
    public static final String RETURN = "fastworker.link.return";
    public static final String LEAVE = "fastworker.link.leave";
    public static final String PROGRESS = "fastworker.link.progress";
    /** A subworker registers {@code fastworker.worker.<workerId>} to receive its tasks. */
    public static final String WORKER_PREFIX = "fastworker.worker.";

    public static final Set<String> INBOUND = Set.of(JOIN, CREDIT, RESULT, HEARTBEAT, DRAIN, RETURN, LEAVE,
            PROGRESS);
    public static final Set<String> FRAME_TYPES = Set.of("send", "publish", "register", "unregister", "ping");

    /** Bytes a frame takes around what it carries (length, envelope, address, headers). */
    public static final int FRAME_OVERHEAD = 512;

    /** The wire is plain JSON: no application-level mapper settings apply to it. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private LinkProtocol() {
    }

    /** A whole frame: length prefix and the JSON object. */
    public static Buffer frame(ObjectNode json) {
        byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a frame cannot be written as JSON", e);
        }
        return Buffer.buffer(payload.length + 4).appendInt(payload.length).appendBytes(payload);
    }

    /** A {@code send} frame to {@code address} with {@code body}. */
    public static Buffer send(String address, ObjectNode body) {
        ObjectNode f = JsonNodeFactory.instance.objectNode().put("type", "send").put("address", address);
        f.set("body", body);
        return frame(f);
    }

    /** A {@code send} frame of a join, answered at {@code replyAddress}. */
    public static Buffer join(Join join, String replyAddress) {
        ObjectNode f = JsonNodeFactory.instance.objectNode().put("type", "send").put("address", JOIN)
                .put("replyAddress", replyAddress);
        f.set("body", join.toJson());
        return frame(f);
    }

    /** A {@code register} frame for {@code address}. */
    public static Buffer register(String address) {
        return frame(JsonNodeFactory.instance.objectNode().put("type", "register").put("address", address));
    }

    /** A {@code message} frame to {@code address} with {@code body}: a reply, or a message to a subworker. */
    public static Buffer reply(String address, ObjectNode body) {
        ObjectNode f = JsonNodeFactory.instance.objectNode().put("type", "message").put("address", address);
        f.set("body", body);
        return frame(f);
    }

    /** A failed reply to {@code address}: the bridge's {@code RECIPIENT_FAILURE} with a code and a message. */
    public static Buffer failedReply(String address, int code, String message) {
        return frame(JsonNodeFactory.instance.objectNode().put("type", "message").put("address", address)
                .put("failureCode", code).put("failureType", "RECIPIENT_FAILURE").put("message", message));
    }

    /** A {@code send} frame to {@code address} whose body is {@code body}, already encoded (spliced, not parsed). */
    public static Buffer sendFrame(String address, byte[] body) {
        return envelope("send", address, null, body);
    }

    /** A {@code send} frame to {@code address} whose body is {@code {"<field>": [items...]}}, items already encoded. */
    public static Buffer sendFrame(String address, String field, List<byte[]> items) {
        return envelope("send", address, null, list(field, items));
    }

    /** A {@code message} frame to {@code address} whose body is {@code body}, already encoded (spliced, not parsed). */
    public static Buffer messageFrame(String address, Map<String, String> headers, byte[] body) {
        return envelope("message", address, headers, body);
    }

    /** A {@code message} frame carrying several tasks, {@code {"tasks": [...]}}, each already encoded. */
    public static Buffer batchFrame(String address, List<byte[]> tasks) {
        return envelope("message", address, Map.of(), list("tasks", tasks));
    }

    /** An {@code err} frame, as the bridge itself sends them. */
    public static Buffer errFrame(String message) {
        return frame(JsonNodeFactory.instance.objectNode().put("type", "err").put("message", message));
    }

    /** A {@code pong} frame, the answer to a {@code ping}. */
    public static Buffer pong() {
        return frame(JsonNodeFactory.instance.objectNode().put("type", "pong"));
    }

    private static byte[] list(String field, List<byte[]> items) {
        Buffer body = Buffer.buffer("{").appendString(quoted(field)).appendString(":[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                body.appendString(",");
            }
            body.appendBytes(items.get(i));
        }
        return body.appendString("]}").getBytes();
    }

    private static Buffer envelope(String type, String address, Map<String, String> headers, byte[] body) {
        Buffer head = Buffer.buffer("{\"type\":\"").appendString(type).appendString("\",\"address\":")
                .appendString(quoted(address));
        if (headers != null) {
            ObjectNode h = JsonNodeFactory.instance.objectNode();
            headers.forEach(h::put);
            head.appendString(",\"headers\":").appendString(h.toString());
        }
        head.appendString(",\"body\":");
        int length = head.length() + body.length + 1;
        return Buffer.buffer(length + 4).appendInt(length).appendBuffer(head).appendBytes(body).appendString("}");
    }

    private static String quoted(String s) {
        return JsonNodeFactory.instance.textNode(s).toString();
    }
}
