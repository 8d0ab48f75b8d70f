package io.fastworker.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-driven client of the link port, for adversarial tests: it writes whatever frames (or bytes) a test tells
 * it to, and reads what comes back, frame by frame, until the control plane closes the connection.
 */
final class RawLinkClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final List<JsonNode> received = new ArrayList<>();
    private boolean closedByPeer;

    RawLinkClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    RawLinkClient frame(String json) throws IOException {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        out.write(ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array());
        out.flush();
        return this;
    }

    RawLinkClient bytes(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    RawLinkClient send(String address, String body) throws IOException {
        return frame("{\"type\": \"send\", \"address\": \"" + address + "\", \"body\": " + body + "}");
    }

    /** Registers and joins as {@code workerId} with the token, announcing {@code tasks}; returns the join reply. */
    JsonNode join(String workerId, String token, String tasks) throws IOException {
        frame("{\"type\": \"register\", \"address\": \"fastworker.worker." + workerId + "\"}");
        frame("{\"type\": \"send\", \"address\": \"fastworker.link.join\", \"replyAddress\": \"r-" + workerId
                + "\", \"body\": {\"protocol\": 1, \"workerId\": \"" + workerId + "\", \"tasks\": " + tasks
                + ", \"concurrency\": 1" + (token == null ? "" : ", \"token\": \"" + token + "\"") + "}}");
        return next(Duration.ofSeconds(10));
    }

    /** The next frame, or null when the connection closed (or nothing came in time). */
    JsonNode next(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            int length = in.readInt();
            byte[] payload = new byte[length];
            in.readFully(payload);
            JsonNode frame = JSON.readTree(payload);
            received.add(frame);
            return frame;
        } catch (EOFException e) {
            closedByPeer = true;
            return null;
        } catch (SocketTimeoutException e) {
            return null;
        } catch (IOException e) {
            closedByPeer = true; // reset
            return null;
        }
    }

    /** The frame that hands it task {@code taskId}, read within 20 s (frames before it are kept), or null. */
    JsonNode awaitTask(String taskId) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && !closedByPeer) {
            JsonNode f = next(Duration.ofSeconds(1));
            if (f != null && f.path("body").path("taskId").asText().equals(taskId)) {
                return f;
            }
        }
        return null;
    }

    /** Reads until the control plane closes the connection (or the timeout); true if it did close it. */
    boolean awaitClosed(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!closedByPeer && System.nanoTime() < deadline) {
            next(Duration.ofMillis(Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
        }
        return closedByPeer;
    }

    /** Every frame received so far. */
    List<JsonNode> received() {
        return received;
    }

    /** The message of the {@code err} frame received, or null. */
    String error() {
        return received.stream().filter(f -> "err".equals(f.path("type").asText())).map(f -> f.path("message")
                .asText()).findFirst().orElse(null);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
