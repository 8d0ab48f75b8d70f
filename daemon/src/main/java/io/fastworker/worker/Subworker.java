package io.fastworker.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.config.LinkAddress;
import io.fastworker.link.LinkProtocol;
import io.fastworker.task.TaskContext;
import io.fastworker.task.TaskDefinition;
import io.fastworker.task.TaskError;
import io.fastworker.task.TaskFailureException;
import io.fastworker.task.TaskRegistry;
import io.fastworker.telemetry.Tracing;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.parsetools.RecordParser;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The subworker role: dials the control plane's link, joins with its tasks and concurrency, grants one credit per
 * free slot, runs what it is sent on {@code fastworker.concurrency} threads and reports each result. It reconnects
 * with capped exponential backoff whenever the link is down. On SIGTERM it stops taking work, hands back anything
 * it has not started, lets running tasks finish within {@code fastworker.subworker.shutdown-timeout}, then leaves.
 */
@ApplicationScoped
public class Subworker {

    private static final Logger LOG = Logger.getLogger(Subworker.class);

    enum State { CONNECTING, JOINED, DISCONNECTED, DRAINING, STOPPED }

    private static final long JOIN_DEADLINE_MS = 10_000;

    @Inject
    FastWorkerConfig config;

    @Inject
    Tracing tracing;

    @Inject
    TaskRegistry registry;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    private final Map<String, String> replyAddresses = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private String workerId;
    private LinkAddress address;
    private ExecutorService pool;
    private ScheduledExecutorService watchdogs;
    private volatile NetSocket socket;
    private volatile io.vertx.core.Context linkContext;
    /** Results waiting to be written: several that end close together go out in one frame. */
    private final java.util.concurrent.ConcurrentLinkedQueue<JsonObject> results =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean flushPending = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile State state = State.CONNECTING;
    private volatile boolean stopping;
    private long heartbeatTimer = -1;
    private Duration backoff;

    void start(@Observes StartupEvent event) {
        if (!"subworker".equals(config.role())) {
            return;
        }
        workerId = Identity.workerId(config);
        address = LinkAddress.parse(config.controlPlane().address());
        pool = Executors.newFixedThreadPool(config.concurrency(), daemonThreads("fastworker-exec-"));
        watchdogs = Executors.newSingleThreadScheduledExecutor(daemonThreads("fastworker-watchdog-"));
        backoff = config.subworker().reconnectMin();
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

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        };
    }

    // --- connection ----------------------------------------------------------------------------------------

    private void connect() {
        if (stopping) {
            return;
        }
        vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setConnectTimeout(5000))
                .connect(address.port(), address.host())
                .onSuccess(this::connected)
                .onFailure(e -> disconnected("cannot connect: " + e.getMessage()));
    }

    private void connected(NetSocket s) {
        socket = s;
        linkContext = vertx.getOrCreateContext();
        RecordParser parser = RecordParser.newFixed(4);
        parser.handler(new java.util.function.Consumer<Buffer>() {
            int expected = -1;

            @Override
            public void accept(Buffer b) {
                if (expected < 0) {
                    expected = b.getInt(0);
                    parser.fixedSizeMode(expected);
                } else {
                    expected = -1;
                    parser.fixedSizeMode(4);
                    onFrame(b.toJsonObject());
                }
            }
        }::accept);
        s.handler(parser);
        s.closeHandler(v -> {
            if (socket == s) {
                socket = null;
                disconnected("connection closed");
            }
        });
        s.exceptionHandler(e -> LOG.debugf("link error: %s", e.getMessage()));
        write(new JsonObject().put("type", "register").put("address", LinkProtocol.WORKER_PREFIX + workerId));
        JsonObject join = new JsonObject().put("protocol", LinkProtocol.VERSION).put("workerId", workerId)
                .put("tasks", new JsonArray(registry.definitions().stream().map(TaskDefinition::name).toList()))
                .put("concurrency", config.concurrency())
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

    private void onFrame(JsonObject frame) {
        String type = frame.getString("type", "");
        String addr = frame.getString("address", "");
        if (type.equals("err")) {
            LOG.errorf("Subworker %s: control plane refused: %s", workerId, frame.getString("message"));
            return;
        }
        if (!type.equals("message")) {
            return;
        }
        if (replyAddresses.remove(addr) != null) {
            joinReply(frame);
        } else if (addr.equals(LinkProtocol.WORKER_PREFIX + workerId)) {
            JsonObject body = frame.getJsonObject("body");
            if (body != null && body.getValue("tasks") instanceof JsonArray batch) {
                for (Object item : batch) {
                    if (item instanceof JsonObject t) {
                        task(t, t.getJsonObject("trace"));
                    }
                }
            } else {
                task(body, frame.getJsonObject("headers"));
            }
        }
    }

    private void joinReply(JsonObject frame) {
        JsonObject body = frame.getJsonObject("body");
        if (body == null || !Boolean.TRUE.equals(body.getBoolean("ok"))) {
            LOG.errorf("Subworker %s: join refused: %s", workerId, frame.getString("message",
                    body == null ? "no reason" : body.encode()));
            return;
        }
        state = stopping ? State.DRAINING : State.JOINED;
        backoff = config.subworker().reconnectMin();
        LOG.infof("Subworker %s joined control plane %s", workerId, address);
        long beat = body.getLong("heartbeatIntervalMs", config.link().heartbeatInterval().toMillis());
        heartbeatTimer = vertx.setPeriodic(Math.max(10, beat), t -> send(LinkProtocol.HEARTBEAT,
                new JsonObject().put("running", running.get())));
        int free = config.concurrency() - running.get();
        if (free > 0 && !stopping) {
            send(LinkProtocol.CREDIT, new JsonObject().put("credits", free));
        }
    }

    // --- tasks ---------------------------------------------------------------------------------------------

    private void task(JsonObject t, JsonObject headers) {
        if (t == null) {
            return;
        }
        String taskId = t.getString("taskId");
        int attempt = t.getInteger("attempt", 0);
        if (stopping) {
            send(LinkProtocol.RETURN, new JsonObject().put("taskId", taskId).put("attempt", attempt));
            return;
        }
        running.incrementAndGet();
        Map<String, String> trace = traceHeaders(headers);
        pool.execute(() -> run(t, taskId, attempt, trace));
    }

    /** The W3C trace headers of a task frame, if any. */
    private static Map<String, String> traceHeaders(JsonObject headers) {
        if (headers == null || !(headers.getValue("traceparent") instanceof String parent)) {
            return Map.of();
        }
        return headers.getValue("tracestate") instanceof String state
                ? Map.of("traceparent", parent, "tracestate", state) : Map.of("traceparent", parent);
    }

    private void run(JsonObject t, String taskId, int attempt, Map<String, String> trace) {
        String name = t.getString("task");
        JsonObject result = new JsonObject().put("taskId", taskId).put("attempt", attempt);
        Thread self = Thread.currentThread();
        AtomicInteger timedOut = new AtomicInteger();
        long timeoutMs = t.getLong("timeoutMs", config.taskDefaults().timeout().toMillis());
        ScheduledFuture<?> watchdog = watchdogs.schedule(() -> {
            timedOut.set(1);
            self.interrupt();
        }, timeoutMs, TimeUnit.MILLISECONDS);
        Tracing.TaskAttributes attributes = new Tracing.TaskAttributes(taskId, name, t.getString("priority"), attempt,
                t.getInteger("maxAttempts", 1));
        try (Tracing.Execution execution = tracing.startExecute(trace, attributes, workerId)) {
            try {
                ArrayNode args = (ArrayNode) mapper.readTree(t.getJsonArray("args", new JsonArray()).encode());
                ObjectNode kwargs = (ObjectNode) mapper.readTree(t.getJsonObject("kwargs", new JsonObject()).encode());
                JsonNode value = registry.invoke(name, args, kwargs,
                        new TaskContext(taskId, name, attempt, t.getInteger("maxAttempts", 1)));
                watchdog.cancel(false);
                result.put("ok", true).put("result", Json.decodeValue(mapper.writeValueAsString(value)));
            } catch (TaskFailureException e) {
                result.put("ok", false).put("error", error(e.error()));
            } catch (InterruptedException e) {
                result.put("ok", false).put("error", error(TaskError.of(
                        timedOut.get() == 1 ? TaskError.TIMEOUT : TaskError.SHUTDOWN,
                        timedOut.get() == 1 ? "attempt " + attempt + " ran longer than its timeout of " + timeoutMs
                                + " ms" : "the subworker stopped while the attempt ran")));
            } catch (Exception e) {
                result.put("ok", false).put("error", error(new TaskError(TaskError.TASK_ERROR,
                        String.valueOf(e.getMessage()), e.getClass().getName())));
            } finally {
                watchdog.cancel(false);
                Thread.interrupted();
                running.decrementAndGet();
            }
            JsonObject error = result.getJsonObject("error");
            if (error == null) {
                execution.succeeded();
            } else {
                execution.failed(error.getString("type"), error.getString("exception"));
            }
        }
        result.put("credits", stopping ? 0 : 1);
        results.add(result);
        io.vertx.core.Context context = linkContext;
        if (context != null && flushPending.compareAndSet(false, true)) {
            context.runOnContext(v -> flushResults());
        }
    }

    /** Writes the waiting results: one as a plain result message, several as {@code {"results": [...]}}. */
    private void flushResults() {
        flushPending.set(false);
        JsonArray batch = new JsonArray();
        for (JsonObject r; (r = results.poll()) != null; ) {
            batch.add(r);
        }
        if (batch.size() == 1) {
            send(LinkProtocol.RESULT, batch.getJsonObject(0));
        } else if (batch.size() > 1) {
            send(LinkProtocol.RESULT, new JsonObject().put("results", batch));
        }
    }

    private static JsonObject error(TaskError e) {
        JsonObject o = new JsonObject().put("type", e.type()).put("message", e.message());
        if (e.exception() != null) {
            o.put("exception", e.exception());
        }
        return o;
    }

    // --- frames --------------------------------------------------------------------------------------------

    private void send(String address, JsonObject body) {
        write(new JsonObject().put("type", "send").put("address", address).put("body", body));
    }

    private void write(JsonObject frame) {
        NetSocket s = socket;
        if (s != null) {
            s.write(LinkProtocol.frame(frame));
        }
    }

    // --- shutdown ------------------------------------------------------------------------------------------

    void stop(@Observes ShutdownEvent event) {
        if (!"subworker".equals(config.role())) {
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
        send(LinkProtocol.LEAVE, new JsonObject());
        NetSocket s = socket;
        if (s != null) {
            s.end().toCompletionStage().toCompletableFuture().completeOnTimeout(null, 2, TimeUnit.SECONDS).join();
        }
        state = State.STOPPED;
        LOG.infof("Subworker %s left", workerId);
    }
}
