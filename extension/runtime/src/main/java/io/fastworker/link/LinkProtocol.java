package io.fastworker.link;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * The link protocol between the control plane and subworkers, in the Vert.x TCP event-bus bridge frame format
 * (4-byte big-endian length, then a JSON object): addresses, and the frames both ends write ({@link FrameReader}
 * reads them). See {@code docs/PROTOCOL.md}.
 */
public final class LinkProtocol {

    public static final int VERSION = 1;

    public static final String JOIN = "fastworker.link.join";
    public static final String CREDIT = "fastworker.link.credit";
    public static final String RESULT = "fastworker.link.result";
    public static final String HEARTBEAT = "fastworker.link.heartbeat";
    public static final String DRAIN = "fastworker.link.drain";
    public static final String RETURN = "fastworker.link.return";
    public static final String LEAVE = "fastworker.link.leave";
    /** A subworker registers {@code fastworker.worker.<workerId>} to receive its tasks. */
    public static final String WORKER_PREFIX = "fastworker.worker.";

    public static final Set<String> INBOUND = Set.of(JOIN, CREDIT, RESULT, HEARTBEAT, DRAIN, RETURN, LEAVE);
    public static final Set<String> FRAME_TYPES = Set.of("send", "publish", "register", "unregister", "ping");

    private LinkProtocol() {
    }

    /** A whole frame: length prefix and the JSON object. */
    public static Buffer frame(JsonObject json) {
        Buffer payload = json.toBuffer();
        return Buffer.buffer(payload.length() + 4).appendInt(payload.length()).appendBuffer(payload);
    }

    /** A {@code send} frame to {@code address} whose body is {@code body}, already encoded (spliced, not parsed). */
    public static Buffer sendFrame(String address, Buffer body) {
        return envelope("send", address, null, body);
    }

    /** A {@code send} frame to {@code address} whose body is {@code {"<field>": [items...]}}, items already encoded. */
    public static Buffer sendFrame(String address, String field, List<Buffer> items) {
        return envelope("send", address, null, list(field, items));
    }

    private static Buffer list(String field, List<Buffer> items) {
        Buffer body = Buffer.buffer("{").appendString(Json.encode(field)).appendString(":[");
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                body.appendString(",");
            }
            body.appendBuffer(items.get(i));
        }
        return body.appendString("]}");
    }

    private static Buffer envelope(String type, String address, JsonObject headers, Buffer body) {
        Buffer head = Buffer.buffer("{\"type\":\"").appendString(type).appendString("\",\"address\":")
                .appendString(Json.encode(address));
        if (headers != null) {
            head.appendString(",\"headers\":").appendBuffer(headers.toBuffer());
        }
        head.appendString(",\"body\":");
        int length = head.length() + body.length() + 1;
        return Buffer.buffer(length + 4).appendInt(length).appendBuffer(head).appendBuffer(body).appendString("}");
    }

    /** A {@code message} frame to {@code address} whose body is {@code body}, already encoded (spliced, not parsed). */
    static Buffer messageFrame(String address, JsonObject headers, Buffer body) {
        return envelope("message", address, headers, body);
    }

    /** A {@code message} frame carrying several tasks, {@code {"tasks": [...]}}, each already encoded. */
    static Buffer batchFrame(String address, List<Buffer> tasks) {
        return envelope("message", address, new JsonObject(), list("tasks", tasks));
    }

    /** Bytes a frame takes around what it carries (length, envelope, address, headers). */
    public static final int FRAME_OVERHEAD = 512;

    /** An {@code err} frame, as the bridge itself sends them. */
    public static Buffer errFrame(String message) {
        return frame(new JsonObject().put("type", "err").put("message", message));
    }
}
