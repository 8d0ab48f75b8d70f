package io.fastworker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * A hand-driven control plane on the link port, for tests of a subworker facing a control plane that lies: it
 * accepts subworker connections, answers their join as a test tells it to, and sends whatever task frames the
 * test writes.
 */
final class RawControlPlane implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final ServerSocket server;
    private Socket socket;
    private DataInputStream in;
    private OutputStream out;
    private int connections;

    RawControlPlane() throws IOException {
        server = new ServerSocket(0);
    }

    String address() {
        return "tcp://127.0.0.1:" + server.getLocalPort();
    }

    /** Subworker connections accepted so far. */
    int connections() {
        return connections;
    }

    /** Waits for the next subworker connection; returns its join request (the frame's body). */
    JsonNode accept(Duration timeout) throws IOException {
        server.setSoTimeout((int) timeout.toMillis());
        socket = server.accept();
        connections++;
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        return next(f -> "fastworker.link.join".equals(f.path("address").asText()), timeout);
    }

    /** Answers the join with {@code reply} (merged into a successful one). */
    void welcome(JsonNode join, ObjectNode reply) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("ok", true).put("protocol", 1).put("heartbeatIntervalMs", 1000)
                .put("maxFrameSize", 2 << 20);
        body.setAll(reply);
        ObjectNode frame = JSON.createObjectNode().put("type", "message")
                .put("address", join.path("replyAddress").asText());
        frame.set("body", body);
        frame.putObject("headers");
        frame(frame);
    }

    /** Sends {@code task} (a task body) to the subworker that joined as {@code workerId}. */
    void task(String workerId, JsonNode task) throws IOException {
        ObjectNode frame = JSON.createObjectNode().put("type", "message").put("address", "fastworker.worker."
                + workerId);
        frame.set("body", task);
        frame.putObject("headers");
        frame(frame);
    }

    void frame(JsonNode frame) throws IOException {
        byte[] payload = JSON.writeValueAsBytes(frame);
        out.write(ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array());
        out.flush();
    }

    /** The next frame the subworker sends that {@code wanted} accepts (others are skipped); null if none came. */
    JsonNode next(Predicate<JsonNode> wanted, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            try {
                int length = in.readInt();
                byte[] payload = new byte[length];
                in.readFully(payload);
                JsonNode frame = JSON.readTree(new String(payload, StandardCharsets.UTF_8));
                if (wanted.test(frame)) {
                    return frame;
                }
            } catch (SocketTimeoutException | EOFException e) {
                return null;
            }
        }
        return null;
    }

    /** The next result the subworker sends (one of a batch comes as the batch's first), or null. */
    JsonNode result(Duration timeout) throws IOException {
        JsonNode f = next(x -> "fastworker.link.result".equals(x.path("address").asText()), timeout);
        if (f == null) {
            return null;
        }
        JsonNode body = f.path("body");
        return body.has("results") ? body.get("results").get(0) : body;
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
        server.close();
    }
}
