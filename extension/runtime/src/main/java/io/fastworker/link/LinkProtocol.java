package io.fastworker.link;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * The link protocol between the control plane and subworkers, on top of the Vert.x TCP event-bus bridge frames
 * (4-byte big-endian length, then a JSON object). See {@code docs/PROTOCOL.md}.
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

    /** Header the control plane puts on every message from a link connection: which connection sent it. */
    static final String CONNECTION_HEADER = "fastworker-connection";

    private LinkProtocol() {
    }

    /** A whole frame: length prefix and the JSON object. */
    public static Buffer frame(JsonObject json) {
        Buffer payload = json.toBuffer();
        return Buffer.buffer(payload.length() + 4).appendInt(payload.length()).appendBuffer(payload);
    }

    /** An {@code err} frame, as the bridge itself sends them. */
    public static Buffer errFrame(String message) {
        return frame(new JsonObject().put("type", "err").put("message", message));
    }
}
