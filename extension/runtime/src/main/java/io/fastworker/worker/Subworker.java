package io.fastworker.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.config.LinkAddress;
import io.fastworker.config.Role;
import io.fastworker.execution.Attempt;
import io.fastworker.execution.AttemptRunner;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskRegistry;
import io.fastworker.link.FrameReader;
import io.fastworker.link.LinkProtocol;
import io.fastworker.telemetry.TaskMetrics;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The subworker role: dials the control plane's link, joins with its tasks and concurrency, grants one credit per
 * free slot, runs what it is sent on {@code fastworker.concurrency} threads (through the same
 * {@link AttemptRunner} as the control plane) and reports each result. It reconnects with capped exponential
 * backoff whenever the link is down. On SIGTERM it stops taking work, hands back anything it has not started, lets
 * running tasks finish within {@code fastworker.subworker.shutdown-timeout}, then leaves.
 *
 * <p>Guarantees: it never runs more than its concurrency at once, and grants a slot back only when the body that
 * held it has returned; each attempt's outcome is reported once (at its timeout if the body overruns).
 */
@ApplicationScoped
public class Subworker {

    private static final Logger LOG = Logger.getLogger(Subworker.class);

    enum State {
        CONNECTING, JOINED, DISCONNECTED, DRAINING, STOPPED
    }

    private static final long JOIN_DEADLINE_MS = 10_000;

    @Inject
    FastWorkerConfig config;

    @Inject
    AttemptRunner runner;

    @Inject
    TaskRegistry registry;

    @Inject
    TaskMetrics metrics;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    private final Map<String, String> replyAddresses = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    /** Results waiting to be written, and slots freed since the last write: sent together, in one frame. */
    private final ConcurrentLinkedQueue<ObjectNode> results = new ConcurrentLinkedQueue<>();
    private final AtomicInteger freedSlots = new AtomicInteger();
    private final AtomicBoolean flushPending = new AtomicBoolean();
    private String workerId;
    private LinkAddress address;
    private ExecutorService pool;
    private volatile NetSocket socket;
    private volatile Context linkContext;
    private volatile State state = State.CONNECTING;
    /**
     * Whether the control plane applies the options this subworker announces (it says so in its join reply): then
     * a task's timeout is the one its frame carries, which may be a submission's own; else this subworker holds its
     * tasks to their own declared timeouts as well.
     */
    private volatile boolean optionsApplied;
    /** Largest frame this subworker writes: its own limit, lowered to the control plane's once joined. */
    private volatile long frameLimit;
    private volatile boolean stopping;
    private long heartbeatTimer = -1;
    private Duration backoff;
    private NetClient client;

    void start(@Observes StartupEvent event) {
        if (config.role() != Role.SUBWORKER) {
            return;
        }
        workerId = Identity.workerId(config);
        address = LinkAddress.parse(config.controlPlane().address());
        pool = Executors.newFixedThreadPool(config.concurrency(), daemonThreads("fastworker-exec-"));
        backoff = config.subworker().reconnectMin();
        frameLimit = config.link().maxFrameSize().asLongValue();
        metrics.workerMeters(workerId, registry.definitions().stream().map(TaskDefinition::name).toList(),
                runner::inFlight);
        LOG.infof("Subworker %s starting: control plane %s, concurrency %d", workerId, address, config.concurrency());
        connect();
    }

    /** Whether the subworker is joined and taking work (its readiness). */
    public boolean joined() {
        return state == State.JOINED;
    }

    public String workerId() {
        return workerId;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }

    // --- connection ----------------------------------------------------------------------------------------

    /** The limits this subworker's own {@code @Task}s set, for the control plane to enforce. */
    private JsonObject limits() {
        JsonObject limits = new JsonObject();
        registry.definitions().forEach(d -> d.limit().ifPresent(l -> {
            JsonObject o = new JsonObject();
            if (l.maxConcurrency() != null) {
                o.put("maxConcurrency", l.maxConcurrency());
            }
            if (l.rate() != null) {
                o.put("rateLimit", l.rate().toString());
            }
            limits.put(d.name(), o);
        }));
        return limits;
    }

    private void connect() {
        if (stopping) {
            return;
        }
        if (client == null) {
            client = vertx.createNetClient(clientOptions());
        }
        client.connect(address.port(), address.host())
                .onSuccess(this::connected)
                .onFailure(e -> disconnected("cannot connect: " + why(e)));
    }

    /** Plaintext for {@code tcp://}; for {@code tls://}, TLS that checks the control plane's certificate and name. */
    private NetClientOptions clientOptions() {
        NetClientOptions options = new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5000);
        if (address.tls()) {
            FastWorkerConfig.SubworkerTls tls = config.subworker().tls();
            options.setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
            tls.trust().ifPresent(ca -> options.setTrustOptions(new PemTrustOptions().addCertPath(ca)));
            tls.cert().ifPresent(cert -> options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert)
                    .setKeyPath(tls.key().orElseThrow())));
        }
        return options;
    }

    private void connected(NetSocket s) {
        socket = s;
        linkContext = vertx.getOrCreateContext();
        FrameReader<ObjectNode> reader = FrameReader.jackson(mapper, config.link().maxFrameSize().asLongValue(),
                this::onFrame, why -> dropLink(s, "the control plane sent a bad frame: " + why));
        s.handler(reader);
        s.closeHandler(v -> {
            if (socket == s) {
                socket = null;
                disconnected("connection closed");
            }
        });
        s.exceptionHandler(e -> LOG.debugf("link error: %s", e.getMessage()));
        write(new JsonObject().put("type", "register").put("address", LinkProtocol.WORKER_PREFIX + workerId));
        JsonObject parameters = new JsonObject();
        registry.definitions().forEach(d -> d.parameters().ifPresent(p -> parameters.put(d.name(), new JsonArray(p))));
        JsonObject options = new JsonObject();
        registry.definitions().forEach(d -> options.put(d.name(), new JsonObject(d.declared().asJson())));
        JsonObject join = new JsonObject().put("protocol", LinkProtocol.VERSION).put("workerId", workerId)
                .put("tasks", new JsonArray(registry.definitions().stream().map(TaskDefinition::name).toList()))
                .put("parameters", parameters)
                .put("options", options)
                .put("limits", limits())
                .put("concurrency", config.concurrency())
                .put("maxFrameSize", config.link().maxFrameSize().asLongValue())
                .put("batch", true);
        config.link().token().ifPresent(t -> join.put("token", t));
        String reply = UUID.randomUUID().toString();
        replyAddresses.put(reply, LinkProtocol.JOIN);
        write(new JsonObject().put("type", "send").put("address", LinkProtocol.JOIN).put("replyAddress", reply)
                .put("body", join));
        vertx.setTimer(JOIN_DEADLINE_MS, t -> {
            if (replyAddresses.remove(reply) != null && socket == s) {
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
        if (heartbeatTimer >= 0) {
            vertx.cancelTimer(heartbeatTimer);
            heartbeatTimer = -1;
        }
        if (stopping) {
            return;
        }
        if (state != State.DISCONNECTED) {
            LOG.warnf("Subworker %s: link to %s down (%s); reconnecting with backoff up to %s", workerId, address,
                    why, config.subworker().reconnectMax());
            state = State.DISCONNECTED;
        }
        long delay = backoff.toMillis();
        backoff = backoff.multipliedBy(2).compareTo(config.subworker().reconnectMax()) > 0
                ? config.subworker().reconnectMax() : backoff.multipliedBy(2);
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
        if (replyAddresses.remove(addr) != null) {
            joinReply(frame);
        } else if (addr.equals(LinkProtocol.WORKER_PREFIX + workerId)) {
            JsonNode body = frame.path("body");
            if (body.path("tasks").isArray()) {
                for (JsonNode item : body.path("tasks")) {
                    task(item, item.path("trace"));
                }
            } else {
                task(body, frame.path("headers"));
            }
        }
    }

    private void joinReply(ObjectNode frame) {
        JsonNode body = frame.path("body");
        if (!body.path("ok").asBoolean(false)) {
            LOG.errorf("Subworker %s: join refused: %s", workerId, frame.path("message").asText());
            return;
        }
        state = stopping ? State.DRAINING : State.JOINED;
        backoff = config.subworker().reconnectMin();
        optionsApplied = body.path("taskOptions").asBoolean(false);
        LOG.infof("Subworker %s joined control plane %s", workerId, address);
        if (body.path("maxFrameSize").canConvertToLong() && body.path("maxFrameSize").asLong() > 0) {
            frameLimit = Math.min(config.link().maxFrameSize().asLongValue(), body.path("maxFrameSize").asLong());
        }
        if (body.path("maxResultSize").canConvertToLong()) {
            runner.keepResultsWithin(body.path("maxResultSize").asLong());
        }
        long beat = body.path("heartbeatIntervalMs").isNumber() ? body.path("heartbeatIntervalMs").asLong()
                : config.link().heartbeatInterval().toMillis();
        heartbeatTimer = vertx.setPeriodic(Math.max(10, Math.min(beat, 3_600_000)), t -> send(LinkProtocol.HEARTBEAT,
                new JsonObject().put("running", running.get())));
        int free = config.concurrency() - running.get();
        freedSlots.set(0); // a fresh link: the control plane knows nothing of us, so grant every free slot now
        if (free > 0 && !stopping) {
            send(LinkProtocol.CREDIT, new JsonObject().put("credits", free));
        }
    }

    // --- tasks ---------------------------------------------------------------------------------------------

    private void task(JsonNode message, JsonNode headers) {
        Attempt attempt;
        try {
            attempt = withinDeclaredTimeout(attempt(message, traceHeaders(headers)));
        } catch (RuntimeException e) {
            refuse(message, e.getMessage());
            return;
        }
        if (stopping) {
            send(LinkProtocol.RETURN, new JsonObject().put("taskId", attempt.taskId()).put("attempt",
                    attempt.number()));
            return;
        }
        running.incrementAndGet();
        pool.execute(() -> {
            try {
                runner.run(attempt, workerId, outcome -> report(attempt, outcome));
            } finally {
                running.decrementAndGet();
                if (!stopping) {
                    freedSlots.incrementAndGet();
                }
                scheduleFlush();
            }
        });
    }

    /** The attempt, held to its task's own declared timeout where the control plane does not apply it. */
    private Attempt withinDeclaredTimeout(Attempt a) {
        if (optionsApplied) {
            return a;
        }
        java.time.Duration declared = registry.find(a.task()).map(d -> d.declared().timeout()).orElse(null);
        if (declared == null || declared.compareTo(a.timeout()) >= 0) {
            return a;
        }
        return new Attempt(a.taskId(), a.task(), a.priority(), a.number(), a.maxAttempts(), a.args(), a.kwargs(),
                declared, a.trace());
    }

    /**
     * A task this subworker cannot run as sent (a field missing or out of range): that attempt fails for good with
     * the reason, its slot is granted back, and the link stays up for every other task.
     */
    private void refuse(JsonNode message, String why) {
        if (message.path("taskId").isTextual() && message.path("attempt").canConvertToInt()) {
            LOG.errorf("Subworker %s: Task(id=%s, attempt=%d) cannot run as sent (%s); failing that attempt",
                    workerId, message.get("taskId").asText(), message.get("attempt").asInt(), why);
            ObjectNode result = mapper.createObjectNode().put("taskId", message.get("taskId").asText())
                    .put("attempt", message.get("attempt").asInt()).put("ok", false);
            result.set("error", error(new TaskError(TaskError.BAD_ARGUMENTS, "the task as the control plane sent it "
                    + "cannot run: " + why, null, true)));
            results.add(result);
        } else {
            LOG.errorf("Subworker %s: a task frame names no task id and attempt (%s); ignoring it", workerId, why);
        }
        if (!stopping) {
            freedSlots.incrementAndGet(); // the slot it was sent against is free again
        }
        scheduleFlush();
    }

    /** The attempt a task message describes; its arguments are the nodes parsed from the frame, not copies. */
    private static Attempt attempt(JsonNode t, Map<String, String> trace) {
        JsonNode args = t.path("args");
        JsonNode kwargs = t.path("kwargs");
        if (!t.path("taskId").isTextual() || !t.path("task").isTextual() || !t.path("attempt").isInt()
                || !t.path("maxAttempts").isInt() || !t.path("timeoutMs").canConvertToLong()
                || !(args.isMissingNode() || args.isArray()) || !(kwargs.isMissingNode() || kwargs.isObject())) {
            throw new IllegalArgumentException("a task needs taskId, task, attempt, maxAttempts, timeoutMs and "
                    + "array args / object kwargs");
        }
        return new Attempt(t.get("taskId").asText(), t.get("task").asText(), t.path("priority").asText("normal"),
                t.get("attempt").asInt(), t.get("maxAttempts").asInt(),
                args.isArray() ? (ArrayNode) args : JsonNodeFactory.instance.arrayNode(),
                kwargs.isObject() ? (ObjectNode) kwargs : JsonNodeFactory.instance.objectNode(),
                Duration.ofMillis(t.get("timeoutMs").asLong()), trace);
    }

    /** The W3C trace headers of a task frame, if any. */
    private static Map<String, String> traceHeaders(JsonNode headers) {
        if (!headers.path("traceparent").isTextual()) {
            return Map.of();
        }
        String parent = headers.get("traceparent").asText();
        return headers.path("tracestate").isTextual()
                ? Map.of("traceparent", parent, "tracestate", headers.get("tracestate").asText())
                : Map.of("traceparent", parent);
    }

    private void report(Attempt attempt, Outcome outcome) {
        ObjectNode result = mapper.createObjectNode().put("taskId", attempt.taskId()).put("attempt", attempt.number());
        if (outcome.ok()) {
            result.put("ok", true).set("result", outcome.result());
        } else {
            result.put("ok", false).set("error", error(outcome.error()));
        }
        results.add(result);
        scheduleFlush();
    }

    private void scheduleFlush() {
        Context context = linkContext;
        if (context != null && flushPending.compareAndSet(false, true)) {
            context.runOnContext(v -> flushResults());
        }
    }

    /**
     * Writes the waiting results, several per frame as long as a frame stays within the link's frame limit, with the
     * slots freed since the last write as the credits of the last one (or alone, as a credit message). A result too
     * big for any frame is replaced by a {@code bad_result} failure of its attempt: the link stays up.
     */
    private void flushResults() {
        flushPending.set(false);
        List<ObjectNode> batch = new ArrayList<>();
        for (ObjectNode r; (r = results.poll()) != null;) {
            batch.add(r.put("credits", 0));
        }
        int credits = stopping ? 0 : freedSlots.getAndSet(0);
        if (batch.isEmpty()) {
            if (credits > 0) {
                send(LinkProtocol.CREDIT, new JsonObject().put("credits", credits));
            }
            return;
        }
        batch.get(batch.size() - 1).put("credits", credits);
        long room = frameLimit - LinkProtocol.FRAME_OVERHEAD;
        List<Buffer> frame = new ArrayList<>();
        long size = 0;
        for (ObjectNode r : batch) {
            Buffer encoded = encode(r);
            if (encoded.length() > room) {
                encoded = encode(tooBig(r, encoded.length()));
            }
            if (!frame.isEmpty() && size + encoded.length() + 1 > room) {
                write(LinkProtocol.sendFrame(LinkProtocol.RESULT, "results", frame));
                frame = new ArrayList<>();
                size = 0;
            }
            frame.add(encoded);
            size += encoded.length() + 1;
        }
        write(frame.size() == 1 ? LinkProtocol.sendFrame(LinkProtocol.RESULT, frame.get(0))
                : LinkProtocol.sendFrame(LinkProtocol.RESULT, "results", frame));
    }

    /** A result as JSON; one that cannot be written (a result Jackson cannot serialise) becomes bad_result. */
    private Buffer encode(ObjectNode result) {
        try {
            return Buffer.buffer(mapper.writeValueAsBytes(result));
        } catch (JsonProcessingException e) {
            ObjectNode failed = mapper.createObjectNode().put("taskId", result.path("taskId").asText())
                    .put("attempt", result.path("attempt").asInt()).put("ok", false)
                    .put("credits", result.path("credits").asInt());
            failed.set("error", error(TaskError.of(TaskError.BAD_RESULT, "the result cannot be written as JSON: "
                    + e.getOriginalMessage())));
            return encode(failed);
        }
    }

    /** The failure a result becomes when it cannot travel: its attempt fails with {@code bad_result}. */
    private ObjectNode tooBig(ObjectNode result, int bytes) {
        LOG.warnf("Subworker %s: the result of task %s attempt %s takes %d bytes, more than a link frame may carry "
                + "(%d, fastworker.link.max-frame-size); reporting bad_result", workerId, result.path("taskId"),
                result.path("attempt"), bytes, frameLimit);
        ObjectNode failed = mapper.createObjectNode().put("taskId", result.path("taskId").asText())
                .put("attempt", result.path("attempt").asInt()).put("ok", false);
        failed.set("error", error(TaskError.of(TaskError.BAD_RESULT, "the result takes " + bytes + " bytes, more "
                + "than a link frame may carry (" + frameLimit + " bytes, fastworker.link.max-frame-size)")));
        return failed.put("credits", result.path("credits").asInt());
    }

    private ObjectNode error(TaskError e) {
        ObjectNode o = mapper.createObjectNode().put("type", e.type()).put("message", e.message());
        if (e.exception() != null) {
            o.put("exception", e.exception());
        }
        if (Boolean.TRUE.equals(e.nonRetryable())) {
            o.put("nonRetryable", true);
        }
        return o;
    }

    // --- frames --------------------------------------------------------------------------------------------

    private void send(String address, JsonObject body) {
        write(new JsonObject().put("type", "send").put("address", address).put("body", body));
    }

    private void write(JsonObject frame) {
        write(LinkProtocol.frame(frame));
    }

    private void write(Buffer frame) {
        NetSocket s = socket;
        if (s != null) {
            s.write(frame);
        }
    }

    // --- shutdown ------------------------------------------------------------------------------------------

    /** Drains as soon as Quarkus announces its shutdown, while the health endpoint still answers (DOWN). */
    void drain(@Observes ShutdownDelayInitiatedEvent event) {
        leave();
    }

    void stop(@Observes ShutdownEvent event) {
        leave();
    }

    private synchronized void leave() {
        if (config.role() != Role.SUBWORKER || stopping) {
            return;
        }
        stopping = true;
        state = State.DRAINING;
        send(LinkProtocol.DRAIN, new JsonObject());
        LOG.infof("Subworker %s draining: %d running, waiting up to %s", workerId, running.get(),
                config.subworker().shutdownTimeout());
        pool.shutdown();
        try {
            if (!pool.awaitTermination(config.subworker().shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Subworker %s: %d tasks still running after %s; leaving anyway (the control plane will "
                        + "queue them again)", workerId, running.get(), config.subworker().shutdownTimeout());
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Context context = linkContext;
        if (context != null) {
            CompletableFuture<Void> flushed = new CompletableFuture<>();
            context.runOnContext(v -> {
                flushResults();
                send(LinkProtocol.LEAVE, new JsonObject());
                flushed.complete(null);
            });
            flushed.completeOnTimeout(null, 2, TimeUnit.SECONDS).join();
        }
        NetSocket s = socket;
        if (s != null) {
            s.end().toCompletionStage().toCompletableFuture().completeOnTimeout(null, 2, TimeUnit.SECONDS).join();
        }
        state = State.STOPPED;
        LOG.infof("Subworker %s left", workerId);
    }
}
