package io.fastworker.link;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/**
 * Cuts a link connection's bytes into frames and lets only well-formed ones through: a length within
 * {@code fastworker.link.max-frame-size}, a JSON object, a known frame type and an address in the
 * {@code fastworker.} namespace. The first bad frame is reported once through {@code onReject} and everything
 * after it is ignored.
 */
final class FrameReader implements Handler<Buffer> {

    private final long maxFrameSize;
    private final Consumer<JsonObject> onFrame;
    private final Consumer<String> onReject;
    private Buffer pending = Buffer.buffer();
    private int offset;
    private boolean rejected;

    FrameReader(long maxFrameSize, Consumer<JsonObject> onFrame, Consumer<String> onReject) {
        this.maxFrameSize = maxFrameSize;
        this.onFrame = onFrame;
        this.onReject = onReject;
    }

    @Override
    public void handle(Buffer data) {
        if (rejected) {
            return;
        }
        if (offset > 0) {
            pending = pending.getBuffer(offset, pending.length());
            offset = 0;
        }
        pending.appendBuffer(data);
        while (!rejected && pending.length() - offset >= 4) {
            long length = Integer.toUnsignedLong(pending.getInt(offset));
            if (length > maxFrameSize) {
                reject("frame length " + length + " exceeds the limit of " + maxFrameSize
                        + " bytes (fastworker.link.max-frame-size)");
                return;
            }
            if (pending.length() - offset - 4 < length) {
                return;
            }
            String text = pending.getString(offset + 4, offset + 4 + (int) length);
            offset += 4 + (int) length;
            JsonObject frame = parse(text);
            if (frame != null) {
                onFrame.accept(frame);
            }
        }
    }

    private JsonObject parse(String text) {
        JsonObject json;
        try {
            json = new JsonObject(text);
        } catch (DecodeException | ClassCastException e) {
            reject("frame is not a JSON object");
            return null;
        }
        Object type = json.getValue("type");
        if (!(type instanceof String t) || !LinkProtocol.FRAME_TYPES.contains(t)) {
            reject("unknown frame type '" + type + "'; expected one of " + LinkProtocol.FRAME_TYPES);
            return null;
        }
        if (!t.equals("ping") && !(json.getValue("address") instanceof String a && a.startsWith("fastworker."))) {
            reject("address '" + json.getValue("address") + "' is outside the permitted fastworker. namespace");
            return null;
        }
        return json;
    }

    private void reject(String why) {
        rejected = true;
        pending = Buffer.buffer();
        offset = 0;
        onReject.accept(why);
    }
}
