package io.fastworker.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.protocol.FrameReader;
import io.fastworker.protocol.Join;
import io.fastworker.protocol.LinkProtocol;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.net.NetSocket;
import java.security.cert.X509Certificate;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.jboss.logging.Logger;

/**
 * One subworker connection to the link port, owned by its socket's event loop. It speaks the TCP event-bus bridge
 * frame format itself and trusts nothing the client writes about who it is: a connection is the worker id it
 * joined as, and nothing else.
 *
 * <p>Guarantees: before a successful join, only {@code ping}, one {@code register} and the join are accepted, in
 * frames of at most {@link #PRE_JOIN_FRAME_LIMIT} bytes; after it, {@code register} only for its own worker
 * address. Anything else gets one {@code err} frame, a log line, and the connection is closed; no other connection
 * is affected.
 */
final class LinkConnection {

    /** Largest frame accepted before a join: a join is small, and an unknown client holds no big buffer. */
    static final long PRE_JOIN_FRAME_LIMIT = Join.MIN_FRAME_SIZE;
    /**
     * Most frames a connection may send per second, on average, and at once: far above what a subworker sends (its
     * results go several per frame), low enough that a flood of tiny frames costs the control plane little. Past it
     * the connection is read more slowly, not closed.
     */
    static final long FRAMES_PER_SECOND = 20_000;

    private static final Logger LOG = Logger.getLogger(LinkConnection.class);

    final String id;
    final NetSocket socket;
    final long openedNanos = System.nanoTime();
    final FrameReader<ObjectNode> reader;
    private final ContextInternal context;
    private final RemoteWorkers workers;
    private final long maxFrameSize;
    private volatile RemoteWorker worker;
    private String registered;
    private volatile boolean closed;
    /** When a close was asked for (nanoTime), 0 before; the socket closes once its last frame is written. */
    private volatile long closing;
    /** Frames it may still send before it is read more slowly, and when they were last topped up (nanoTime). */
    private double frameAllowance = FRAMES_PER_SECOND;
    private long allowanceAt = System.nanoTime();
    private boolean slowed;

    LinkConnection(String id, NetSocket socket, RemoteWorkers workers, long maxFrameSize, ObjectMapper mapper) {
        this.id = id;
        this.socket = socket;
        this.workers = workers;
        this.maxFrameSize = maxFrameSize;
        this.reader = FrameReader.jackson(mapper, PRE_JOIN_FRAME_LIMIT, this::onFrame, this::refuse);
        this.context = (ContextInternal) VertxContext.createNewDuplicatedContext(Vertx.currentContext());
    }

    boolean joined() {
        return worker != null;
    }

    /** The CN of an RFC 2253 distinguished name (the first one, as a certificate has), unescaped. */
    static Optional<String> commonName(String dn) {
        StringBuilder value = null;
        boolean escaped = false;
        int start = 0;
        for (int i = 0; i <= dn.length(); i++) {
            char ch = i < dn.length() ? dn.charAt(i) : ',';
            if (value != null) {
                if (escaped) {
                    value.append(ch);
                    escaped = false;
                } else if (ch == '\\') {
                    escaped = true;
                } else if (ch == ',' || ch == '+') {
                    return Optional.of(value.toString());
                } else {
                    value.append(ch);
                }
                continue;
            }
            if (escaped) {
                escaped = false;
            } else if (ch == '\\') {
                escaped = true;
            } else if (ch == ',' || ch == '+') {
                start = i + 1;
            } else if (i == start + 2 && dn.regionMatches(true, start, "CN=", 0, 3)) {
                value = new StringBuilder(); // the value starts after this '='
            }
        }
        return Optional.empty();
    }

    /**
     * The names of the client certificate this connection presented (its subject CN and DNS SANs), taken from the
     * TLS session, never from anything the client sent; empty without one.
     */
    Set<String> certificateNames() {
        Set<String> names = new LinkedHashSet<>();
        try {
            X509Certificate c = (X509Certificate) socket.peerCertificates()
                    .get(0);
            commonName(c.getSubjectX500Principal().getName(X500Principal.RFC2253)).ifPresent(names::add);
            if (c.getSubjectAlternativeNames() != null) {
                for (List<?> san : c.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(2).equals(san.get(0))) { // dNSName
                        names.add(String.valueOf(san.get(1)));
                    }
                }
            }
        } catch (Exception e) {
            LOG.debugf("connection %s: no client certificate (%s)", id, e.toString());
        }
        return names;
    }

    RemoteWorker worker() {
        return worker;
    }

    /** Who it is, for log lines: its worker id once joined, else its connection id and address. */
    String describe() {
        RemoteWorker w = worker;
        return w != null ? "subworker " + w.id + " (" + id + ")" : "link connection " + id + " from "
                + socket.remoteAddress();
    }

    /**
     * Each frame is handled on a duplicated Vert.x context of the connection's event loop: log lines written while
     * handling it (a task's retry, with the task's trace ids in the MDC) need one.
     */
    private void onFrame(ObjectNode frame) {
        if (closed) {
            return;
        }
        keepToFrameRate();
        context.dispatch(frame, this::handleSafely);
    }

    /**
     * Counts a frame against {@link #FRAMES_PER_SECOND}; once the allowance is spent, the socket is not read until
     * it has grown back (the frames already read are still handled).
     */
    private void keepToFrameRate() {
        long now = System.nanoTime();
        frameAllowance = Math.min(FRAMES_PER_SECOND, frameAllowance + (now - allowanceAt) * 1e-9 * FRAMES_PER_SECOND);
        allowanceAt = now;
        frameAllowance -= 1;
        if (frameAllowance < 0 && !slowed) {
            slowed = true;
            socket.pause();
            long waitMs = Math.max(1, (long) Math.ceil(-frameAllowance * 1000.0 / FRAMES_PER_SECOND) + 1);
            context.owner().setTimer(waitMs, t -> {
                slowed = false;
                if (!closed) {
                    socket.resume();
                }
            });
        }
    }

    private void handleSafely(ObjectNode frame) {
        try {
            handle(frame);
        } catch (IllegalArgumentException | ClassCastException e) {
            refuse("malformed frame: " + e.getMessage());
        }
    }

    private void handle(ObjectNode frame) {
        String type = text(frame, "type");
        switch (type) {
            case "ping" -> send(LinkProtocol.pong());
            case "register" -> register(text(frame, "address"));
            case "unregister" -> text(frame, "address"); // nothing to undo: tasks go to the joined worker only
            case "send" -> send(frame);
            case "publish" -> refuse("publish is not part of the link protocol");
            default -> refuse("unknown frame type '" + type + "'; expected one of " + LinkProtocol.FRAME_TYPES);
        }
    }

    private void register(String address) {
        RemoteWorker w = worker;
        String own = w == null ? null : LinkProtocol.WORKER_PREFIX + w.id;
        if (own != null ? !address.equals(own) : registered != null && !registered.equals(address)
                || !address.startsWith(LinkProtocol.WORKER_PREFIX)) {
            refuse("register '" + address + "' refused: a connection receives only for the worker id it joined "
                    + "as (" + (own == null ? "fastworker.worker.<its workerId>" : own) + ")");
            return;
        }
        registered = address;
    }

    private void send(ObjectNode frame) {
        String address = text(frame, "address");
        JsonNode headers = frame.get("headers");
        if (headers != null && !headers.isNull() && !(headers.isObject() && allText(headers))) {
            throw new IllegalArgumentException("'headers' must be an object of strings");
        }
        JsonNode body = frame.get("body");
        if (body != null && !body.isNull() && !body.isObject()) {
            throw new IllegalArgumentException("'body' must be a JSON object");
        }
        JsonNode message = body == null || body.isNull() ? JsonNodeFactory.instance.objectNode() : body;
        if (address.equals(LinkProtocol.JOIN)) {
            JsonNode reply = frame.get("replyAddress");
            if (reply == null || !reply.isTextual()) {
                throw new IllegalArgumentException("a join needs a 'replyAddress' string");
            }
            if (worker != null) {
                refuse("already joined as " + worker.id);
                return;
            }
            join(message, reply.textValue());
            return;
        }
        if (!LinkProtocol.INBOUND.contains(address)) {
            refuse("address '" + address + "' is not part of the link protocol");
            return;
        }
        RemoteWorker w = worker;
        if (w == null) {
            refuse("sent " + address + " before joining; join first: send " + LinkProtocol.JOIN);
            return;
        }
        workers.onMessage(w, address, message);
    }

    private static boolean allText(JsonNode object) {
        for (JsonNode v : object) {
            if (!v.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private void join(JsonNode body, String replyAddress) {
        RemoteWorkers.JoinOutcome outcome = workers.join(this, body, registered);
        if (outcome.worker() == null) {
            LOG.warnf("%s: join refused (%d): %s", describe(), outcome.code(), outcome.message());
            // a refused join ends the connection, on both sides
            closeAfter(LinkProtocol.failedReply(replyAddress, outcome.code(), outcome.message()));
            return;
        }
        worker = outcome.worker();
        reader.limit(maxFrameSize);
        send(LinkProtocol.reply(replyAddress, outcome.reply().toJson()));
        outcome.afterReply().run();
    }

    private static String text(JsonNode frame, String field) {
        JsonNode v = frame.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' must be a string");
        }
        return v.textValue();
    }

    /** Writes a whole frame (from any thread: the socket's event loop does the writing). */
    void send(Buffer frame) {
        if (!closed) {
            socket.write(frame);
        }
    }

    /** Refuses what the client did: one log line, an {@code err} frame naming it, and the connection closes. */
    void refuse(String why) {
        if (closed) {
            return;
        }
        LOG.warnf("%s closed: %s", describe(), why);
        closeAfter(LinkProtocol.errFrame(why));
    }

    /** Writes a last frame, then closes (at the latest when {@link #overdue} says so). */
    private void closeAfter(Buffer last) {
        if (closed) {
            return;
        }
        closed = true;
        closing = System.nanoTime();
        socket.write(last).onComplete(v -> socket.close());
    }

    /** Closes now, writing nothing more. */
    void close() {
        closed = true;
        closing = closing == 0 ? System.nanoTime() : closing;
        socket.close();
    }

    /** Whether a close was asked for more than {@code nanos} ago (a client that does not read its last frame). */
    boolean overdue(long now, long nanos) {
        long since = closing;
        return since != 0 && now - since > nanos;
    }
}
