package io.fastworker.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Cuts the bytes of a link connection into frames (4-byte big-endian length, then that many bytes of UTF-8 JSON, one
 * object), for both ends of the link: the control plane and a subworker, as Jackson trees (one parse: task
 * arguments and results stay the nodes read). A frame longer than the limit, or bytes
 * that are no JSON object, are reported once through {@code onError}; everything after that is ignored (the
 * connection is to be closed). Not thread-safe: it belongs to its connection's event loop.
 */
public final class FrameReader<T> implements Handler<Buffer> {

    private final Function<Buffer, T> decoder;
    private final Consumer<T> onFrame;
    private final Consumer<String> onError;
    private volatile long limit;
    private Buffer pending = Buffer.buffer();
    private int offset;
    private boolean failed;
    /** When the partial frame now pending began to arrive (nanoTime), or 0 when none is pending. */
    private volatile long partialSince;

    /** Frames decoded as Jackson trees by {@code mapper} (one parse: task arguments stay Jackson nodes). */
    public static FrameReader<ObjectNode> jackson(ObjectMapper mapper, long limit, Consumer<ObjectNode> onFrame,
            Consumer<String> onError) {
        return new FrameReader<>(limit, payload -> {
            try {
                return (ObjectNode) mapper.readTree(payload.getBytes());
            } catch (IOException | ClassCastException e) {
                throw new IllegalArgumentException(e.getMessage());
            }
        }, onFrame, onError);
    }

    private FrameReader(long limit, Function<Buffer, T> decoder, Consumer<T> onFrame, Consumer<String> onError) {
        this.decoder = decoder;
        this.limit = limit;
        this.onFrame = onFrame;
        this.onError = onError;
    }

    /** Changes the largest frame accepted from now on (a connection that has joined may send bigger ones). */
    public void limit(long newLimit) {
        limit = newLimit;
    }

    /** Nanoseconds a partial frame has been pending at {@code now}, or 0 when none is. */
    public long pendingFor(long now) {
        long since = partialSince;
        return since == 0 ? 0 : now - since;
    }

    @Override
    public void handle(Buffer data) {
        if (failed) {
            return;
        }
        if (offset > 0) {
            pending = pending.getBuffer(offset, pending.length());
            offset = 0;
        }
        pending.appendBuffer(data);
        boolean completed = false;
        while (!failed && pending.length() - offset >= 4) {
            long length = Integer.toUnsignedLong(pending.getInt(offset));
            if (length > limit) {
                fail("frame length " + length + " exceeds the limit of " + limit
                        + " bytes (fastworker.link.max-frame-size)");
                return;
            }
            if (pending.length() - offset - 4 < length) {
                break;
            }
            Buffer payload = pending.getBuffer(offset + 4, offset + 4 + (int) length);
            offset += 4 + (int) length;
            T frame;
            try {
                frame = decoder.apply(payload);
                if (frame == null) {
                    throw new IllegalArgumentException("empty");
                }
            } catch (IllegalArgumentException | ClassCastException e) {
                fail("frame is not a JSON object");
                return;
            }
            completed = true;
            onFrame.accept(frame);
        }
        if (failed || pending.length() == offset) {
            partialSince = 0;
        } else if (partialSince == 0 || completed) {
            partialSince = System.nanoTime(); // a new frame began
        }
    }

    private void fail(String why) {
        failed = true;
        pending = Buffer.buffer();
        offset = 0;
        partialSince = 0;
        onError.accept(why);
    }
}
