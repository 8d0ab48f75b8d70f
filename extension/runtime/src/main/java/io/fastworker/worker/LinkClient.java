package io.fastworker.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.LinkAddress;
import io.fastworker.protocol.Cancel;
import io.fastworker.protocol.FrameReader;
import io.fastworker.protocol.Join;
import io.fastworker.protocol.JoinReply;
import io.fastworker.protocol.LinkProtocol;
import io.fastworker.protocol.MalformedMessageException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * A subworker's end of the link: dials the control plane, joins, beats, and reconnects with capped exponential
 * backoff whenever the link is down. Frames are read and written on the link's event loop.
 */
@ApplicationScoped
class LinkClient {

    private static final Logger LOG = Logger.getLogger(LinkClient.class);
    private static final long JOIN_DEADLINE_MS = 10_000;

    /** What the subworker does with the link. */
    interface Listener {
        /** The control plane took the join: grant the free slots. */
        void joined(JoinReply reply);

        /** A task arrived; its trace is in {@code traceFrom} (the frame's headers or the task's own). */
        void task(JsonNode task, JsonNode traceFrom);

        /** Tasks running now, for heartbeats. */
        int running();

        /** The control plane asks to stop a running attempt. */
        void cancel(Cancel cancel);
    }

    @Inject
    FastWorkerConfig.Link linkSettings;

    @Inject
    FastWorkerConfig.Subworker subworkerSettings;

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper mapper;

    private String workerId;
    private List<LinkAddress> addresses;
    /** The address dialed last; each failed dial moves on to the next of {@link #addresses}. */
    private volatile LinkAddress address;
    private int attempts;
    private Supplier<Join> join;
    private Listener listener;
    private NetClient client;
    private volatile NetSocket socket;
    private volatile Context context;
    private volatile boolean joined;
    /** The newest term of a leader this subworker joined (0 alone): a link to an older leader is dropped. */
    private long term;
    private volatile boolean down;
    private volatile boolean stopping;
    /** Largest frame this subworker writes: its own limit, lowered to the control plane's once joined. */
    private volatile long frameLimit;
    private volatile String pendingReply;
    private long heartbeatTimer = -1;
    private Duration backoff;

    /**
     * Dials {@code addresses} in turn (the members of a cluster: only the leader takes a join) and joins as
     * {@code join} describes, again whenever the link drops.
     */
    void start(String workerId, List<LinkAddress> addresses, Supplier<Join> join, Listener listener) {
        this.workerId = workerId;
        this.addresses = List.copyOf(addresses);
        this.address = addresses.get(0);
        this.join = join;
        this.listener = listener;
        this.backoff = subworkerSettings.reconnectMin();
        this.frameLimit = linkSettings.maxFrameSize().asLongValue();
        connect();
    }

    /** Whether the link is joined now. */
    boolean joined() {
        return joined;
    }

    /** The largest frame to write. */
    long frameLimit() {
        return frameLimit;
    }

    /** Runs {@code action} on the link's event loop, if a link was ever made; false otherwise. */
    boolean onLink(Runnable action) {
        Context c = context;
        if (c == null) {
            return false;
        }
        c.runOnContext(v -> action.run());
        return true;
    }

    /** Sends a message to {@code address} (dropped while the link is down). */
    void send(String address, ObjectNode body) {
        write(LinkProtocol.send(address, body));
    }

    /** Writes a whole frame (dropped while the link is down). */
    void write(Buffer frame) {
        NetSocket s = socket;
        if (s != null) {
            s.write(frame);
        }
    }

    /** Stops reconnecting; the link stays open for the last messages until {@link #close}. */
    void stopReconnecting() {
        stopping = true;
    }

    /** Ends the link after what was written. */
    java.util.concurrent.CompletableFuture<Void> close() {
        NetSocket s = socket;
        return s == null ? java.util.concurrent.CompletableFuture.completedFuture(null)
                : s.end().toCompletionStage().toCompletableFuture();
    }

    private void connect() {
        if (stopping) {
            return;
        }
        if (client == null) {
            client = vertx.createNetClient(clientOptions());
        }
        LinkAddress to = addresses.get(attempts++ % addresses.size());
        address = to;
        client.connect(to.port(), to.host())
                .onSuccess(this::connected)
                .onFailure(e -> disconnected("cannot connect: " + why(e)));
    }

    /** Plaintext for {@code tcp://}; for {@code tls://}, TLS that checks the control plane's certificate and name. */
    private NetClientOptions clientOptions() {
        NetClientOptions options = new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5000);
        if (address.tls()) {
            FastWorkerConfig.SubworkerTls tls = subworkerSettings.tls();
            options.setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
            tls.trust().ifPresent(ca -> options.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
            tls.cert().ifPresent(cert -> options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert)
                    .setKeyPath(tls.key().orElseThrow())));
        }
        return options;
    }

    private void connected(NetSocket s) {
        socket = s;
        context = vertx.getOrCreateContext();
        FrameReader<ObjectNode> reader = FrameReader.jackson(mapper, linkSettings.maxFrameSize().asLongValue(),
                this::onFrame, why -> dropLink(s, "the control plane sent a bad frame: " + why));
        s.handler(reader);
        s.closeHandler(v -> {
            if (socket == s) {
                socket = null;
                disconnected("connection closed");
            }
        });
        s.exceptionHandler(e -> LOG.debugf("link error: %s", e.getMessage()));
        write(LinkProtocol.register(LinkProtocol.WORKER_PREFIX + workerId));
        String reply = UUID.randomUUID().toString();
        pendingReply = reply;
        write(LinkProtocol.join(join.get(), reply));
        vertx.setTimer(JOIN_DEADLINE_MS, t -> {
            if (reply.equals(pendingReply) && socket == s) {
                pendingReply = null;
                LOG.warnf("Subworker %s: no answer to join within %d ms; reconnecting", workerId, JOIN_DEADLINE_MS);
                s.close();
            }
        });
    }

    /** Something the control plane sent cannot be read: start over on a fresh connection. */
    private void dropLink(NetSocket s, String why) {
        LOG.errorf("Subworker %s: %s; reconnecting", workerId, why);
        s.handler(null);
        s.close();
    }

    /** A failure and its root cause (a TLS failure says what was wrong with the certificate only there). */
    private static String why(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
    }

    private void disconnected(String why) {
        joined = false;
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
            heartbeatTimer = -1;
        }
        if (stopping) {
            return;
        }
        if (!down) {
            LOG.warnf("Subworker %s: link to %s down (%s); reconnecting with backoff up to %s", workerId, address,
                    why, subworkerSettings.reconnectMax());
            down = true;
        }
        long delay = backoff.toMillis();
        if (attempts % addresses.size() != 0) {
            vertx.setTimer(1, t -> connect()); // the next member at once; back off once all were tried
            return;
        }
        backoff = backoff.multipliedBy(2).compareTo(subworkerSettings.reconnectMax()) > 0
                ? subworkerSettings.reconnectMax() : backoff.multipliedBy(2);
        vertx.setTimer(Math.max(1, delay), t -> connect());
    }

    private void onFrame(ObjectNode frame) {
        String type = frame.path("type").asText("");
        String addr = frame.path("address").asText("");
        if (type.equals("err")) {
            LOG.errorf("Subworker %s: control plane refused: %s", workerId, frame.path("message").asText());
            return;
        }
        if (!type.equals("message")) {
            return;
        }
        if (addr.equals(pendingReply)) {
            pendingReply = null;
            joinReply(frame);
        } else if (addr.equals(LinkProtocol.WORKER_PREFIX + workerId)) {
            JsonNode body = frame.path("body");
            if (Cancel.isCancel(body)) {
                try {
                    listener.cancel(Cancel.read(body));
                } catch (MalformedMessageException e) {
                    LOG.warnf("a cancel from the control plane cannot be read (%s); ignoring it", e.getMessage());
                }
            } else if (body.path("tasks").isArray()) {
                for (JsonNode item : body.path("tasks")) {
                    listener.task(item, item.path("trace"));
                }
            } else {
                listener.task(body, frame.path("headers"));
            }
        }
    }

    private void joinReply(ObjectNode frame) {
        JsonNode body = frame.path("body");
        if (!body.path("ok").asBoolean(false)) {
            LOG.errorf("Subworker %s: join refused: %s", workerId, frame.path("message").asText());
            return;
        }
        JoinReply reply = JoinReply.read(body);
        if (reply.term() < term) {
            dropLink(socket, "control plane " + address + " leads in term " + reply.term() + ", older than the term "
                    + term + " this subworker joined in before: it was deposed");
            return;
        }
        term = reply.term();
        joined = true;
        down = false;
        backoff = subworkerSettings.reconnectMin();
        LOG.infof("Subworker %s joined control plane %s", workerId, address);
        if (reply.maxFrameSize() > 0) {
            frameLimit = Math.min(linkSettings.maxFrameSize().asLongValue(), reply.maxFrameSize());
        }
        long beat = reply.heartbeatIntervalMs() > 0 ? reply.heartbeatIntervalMs()
                : linkSettings.heartbeatInterval().toMillis();
        IntSupplier running = listener::running;
        heartbeatTimer = vertx.setPeriodic(Math.max(10, Math.min(beat, 3_600_000)), t -> send(LinkProtocol.HEARTBEAT,
                JsonNodeFactory.instance.objectNode().put("running", running.getAsInt())));
        listener.joined(reply);
    }
}
