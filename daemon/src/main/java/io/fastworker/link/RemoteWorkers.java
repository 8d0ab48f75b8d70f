package io.fastworker.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.Assignment;
import io.fastworker.engine.LocalExecutor;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskSpec;
import io.fastworker.task.TaskError;
import io.fastworker.telemetry.TaskMetrics;
import io.fastworker.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The subworkers joined to this control plane, and dispatch to them.
 *
 * <p>Guarantees: a subworker is sent a task only against a credit it granted (a free slot), so it never holds
 * more than it can run; tasks leave the ready queue in strict priority order whichever worker takes them; every
 * dispatched attempt has a lease. When a subworker's connection closes or its heartbeats stop for
 * {@code missed-heartbeats × heartbeat-interval}, all its leased tasks go back to the front of their queues at
 * once. A result is accepted only for the attempt it was dispatched as, so a task is never reported finished
 * twice. Delivery is at-least-once.
 */
@ApplicationScoped
public class RemoteWorkers {

    /** Most tasks sent to one subworker in one frame. */
    static final int MAX_BATCH = 64;

    private static final Logger LOG = Logger.getLogger(RemoteWorkers.class);
    private static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** A subworker as {@code GET /workers} shows it. */
    public record Info(String id, int concurrency, int inFlight, long completed, Instant lastSeen, List<String> tasks,
            boolean draining) {
    }

    @Inject
    FastWorkerConfig config;

    @Inject
    Tracing tracing;

    @Inject
    TaskEngine engine;

    @Inject
    LocalExecutor local;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    private final Object lock = new Object();
    private final Map<String, RemoteWorker> byId = new HashMap<>();
    private final Map<String, RemoteWorker> byConnection = new HashMap<>();
    private volatile boolean running;
    private Thread dispatcher;
    private long sweeper;

    @Inject
    TaskMetrics metrics;

    void start() {
        running = true;
        metrics.gauge("fastworker.workers.active", "Connected subworkers", () -> {
            synchronized (lock) {
                return byId.size();
            }
        });
        local.leaveToSubworkers(this::announcedByAny);
        vertx.eventBus().<JsonObject>consumer(LinkProtocol.JOIN, this::join);
        vertx.eventBus().<JsonObject>consumer(LinkProtocol.CREDIT, m -> withWorker(m, w -> credit(w, m.body())));
        vertx.eventBus().<JsonObject>consumer(LinkProtocol.RESULT, m -> withWorker(m, w -> result(w, m.body())));
        vertx.eventBus().<JsonObject>consumer(LinkProtocol.HEARTBEAT, m -> withWorker(m, w -> { }));
        vertx.eventBus().<JsonObject>consumer(LinkProtocol.DRAIN, m -> withWorker(m, this::drain));
        vertx.eventBus().<JsonObject>consumer(LinkProtocol.RETURN, m -> withWorker(m, w -> returned(w, m.body())));
        vertx.eventBus().<JsonObject>consumer(LinkProtocol.LEAVE, m -> withWorker(m, this::leave));
        long every = Math.max(50, config.link().heartbeatInterval().toMillis() / 2);
        sweeper = vertx.setPeriodic(every, id -> sweep());
        dispatcher = new Thread(this::dispatchLoop, "fastworker-dispatch");
        dispatcher.setDaemon(true);
        dispatcher.start();
    }

    void stop() {
        running = false;
        vertx.cancelTimer(sweeper);
        if (dispatcher != null) {
            dispatcher.interrupt();
        }
    }

    private boolean announcedByAny(String task) {
        synchronized (lock) {
            for (RemoteWorker w : byId.values()) {
                if (!w.draining && w.tasks.contains(task)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Task names announced by the joined subworkers. */
    public java.util.Set<String> announced() {
        synchronized (lock) {
            java.util.Set<String> names = new java.util.HashSet<>();
            byId.values().forEach(w -> names.addAll(w.tasks));
            return names;
        }
    }

    public List<Info> list() {
        synchronized (lock) {
            List<Info> out = new ArrayList<>();
            for (RemoteWorker w : byId.values()) {
                out.add(new Info(w.id, w.concurrency, w.leases.size(), w.completed, w.lastSeen,
                        w.tasks.stream().sorted().toList(), w.draining));
            }
            return out;
        }
    }

    // --- connection events from the bridge ------------------------------------------------------------------

    /** The connection closed: its worker is lost and its leased tasks are queued again. */
    void connectionClosed(String connection) {
        RemoteWorker w;
        synchronized (lock) {
            w = byConnection.get(connection);
        }
        if (w != null) {
            lost(w, "its connection closed");
        }
    }

    // --- messages from subworkers ---------------------------------------------------------------------------

    private void join(Message<JsonObject> m) {
        String connection = m.headers().get(LinkProtocol.CONNECTION_HEADER);
        NetSocket socket = LinkServer.socketOf(connection);
        JsonObject body = m.body();
        if (socket == null || body == null) {
            m.fail(400, "join must come over a link connection with a JSON body");
            return;
        }
        if (config.link().token().isPresent() && !tokenMatches(body.getValue("token"))) {
            LOG.warnf("Link connection %s refused: missing or wrong token", connection);
            m.fail(401, "unauthorized: wrong or missing token (fastworker.link.token)");
            vertx.setTimer(50, t -> socket.close());
            return;
        }
        String problem = checkJoin(body);
        if (problem != null) {
            m.fail(400, problem);
            return;
        }
        String id = body.getString("workerId");
        List<String> tasks = body.getJsonArray("tasks").stream().map(String::valueOf).toList();
        int concurrency = body.getInteger("concurrency");
        synchronized (lock) {
            RemoteWorker existing = byId.get(id);
            if (existing != null && !existing.connection.equals(connection)) {
                m.fail(409, "worker id '" + id + "' is already joined on another connection");
                return;
            }
            RemoteWorker w = new RemoteWorker(id, connection, socket, tasks, concurrency,
                    Boolean.TRUE.equals(body.getValue("batch")));
            byId.put(id, w);
            byConnection.put(connection, w);
        }
        LOG.infof("Subworker %s joined from %s (concurrency %d, %d tasks)", id, socket.remoteAddress(), concurrency,
                tasks.size());
        m.reply(new JsonObject().put("ok", true).put("protocol", LinkProtocol.VERSION)
                .put("heartbeatIntervalMs", config.link().heartbeatInterval().toMillis())
                .put("maxFrameSize", config.link().maxFrameSize().asLongValue()));
    }

    private boolean tokenMatches(Object presented) {
        if (!(presented instanceof String s)) {
            return false;
        }
        return MessageDigest.isEqual(s.getBytes(StandardCharsets.UTF_8),
                config.link().token().get().getBytes(StandardCharsets.UTF_8));
    }

    private static String checkJoin(JsonObject body) {
        if (!Integer.valueOf(LinkProtocol.VERSION).equals(body.getValue("protocol"))) {
            return "unsupported protocol " + body.getValue("protocol") + "; this control plane speaks "
                    + LinkProtocol.VERSION;
        }
        if (!(body.getValue("workerId") instanceof String id) || !WORKER_ID.matcher(id).matches()) {
            return "workerId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -";
        }
        if (!(body.getValue("tasks") instanceof JsonArray tasks) || tasks.isEmpty()
                || !tasks.stream().allMatch(t -> t instanceof String)) {
            return "tasks must be a non-empty array of task names";
        }
        if (!(body.getValue("concurrency") instanceof Integer c) || c < 1 || c > 10_000) {
            return "concurrency must be a whole number from 1 to 10000";
        }
        return null;
    }

    private interface WorkerAction {
        void apply(RemoteWorker w);
    }

    private void withWorker(Message<JsonObject> m, WorkerAction action) {
        String connection = m.headers().get(LinkProtocol.CONNECTION_HEADER);
        boolean known;
        synchronized (lock) {
            RemoteWorker w = connection == null ? null : byConnection.get(connection);
            known = w != null;
            if (known) {
                w.seen();
                action.apply(w);
                lock.notifyAll();
            }
        }
        if (!known) {
            NetSocket socket = LinkServer.socketOf(connection);
            if (socket != null) {
                LOG.warnf("Link connection %s closed: sent %s before joining", connection, m.address());
                socket.write(LinkProtocol.errFrame("join first: send " + LinkProtocol.JOIN)).onComplete(v -> socket.close());
            }
        }
    }

    private void credit(RemoteWorker w, JsonObject body) {
        Integer n = body == null ? null : body.getInteger("credits");
        if (n != null && n > 0) {
            w.credits = Math.min(w.credits + n, w.concurrency - w.leases.size());
        }
    }

    private void result(RemoteWorker w, JsonObject body) {
        if (body != null && body.getValue("results") instanceof JsonArray batch) {
            for (Object item : batch) {
                if (item instanceof JsonObject r) {
                    result(w, r);
                }
            }
            return;
        }
        if (body == null) {
            return;
        }
        credit(w, body);
        RemoteWorker.Lease lease = w.leases.get(body.getString("taskId", ""));
        Integer attempt = body.getInteger("attempt");
        if (lease == null || attempt == null || lease.assignment().attempt() != attempt) {
            return; // a late result of an attempt that already ended (timed out or handed back)
        }
        w.leases.remove(body.getString("taskId"));
        w.completed++;
        Assignment a = lease.assignment();
        if (Boolean.TRUE.equals(body.getBoolean("ok"))) {
            engine.attemptEnded(a, toJson(body.getValue("result")), null);
        } else {
            JsonObject e = body.getJsonObject("error", new JsonObject());
            engine.attemptEnded(a, null, new TaskError(e.getString("type", TaskError.TASK_ERROR),
                    e.getString("message", ""), e.getString("exception")));
        }
    }

    private JsonNode toJson(Object value) {
        try {
            return mapper.readTree(Json.encode(value));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void drain(RemoteWorker w) {
        if (!w.draining) {
            w.draining = true;
            LOG.infof("Subworker %s is draining (%d running)", w.id, w.leases.size());
        }
    }

    private void returned(RemoteWorker w, JsonObject body) {
        RemoteWorker.Lease lease = w.leases.remove(body.getString("taskId", ""));
        if (lease != null && Integer.valueOf(lease.assignment().attempt()).equals(body.getInteger("attempt"))) {
            engine.handBack(lease.assignment(), TaskError.of(TaskError.RETURNED,
                    "subworker " + w.id + " returned it unstarted while stopping"), config.link().maxDeliveries());
        }
    }

    private void leave(RemoteWorker w) {
        vertx.runOnContext(v -> lost(w, "it left"));
    }

    private void lost(RemoteWorker w, String why) {
        List<RemoteWorker.Lease> leases;
        synchronized (lock) {
            if (byId.get(w.id) != w) {
                return;
            }
            byId.remove(w.id);
            byConnection.remove(w.connection);
            leases = new ArrayList<>(w.leases.values());
            w.leases.clear();
        }
        if (leases.isEmpty()) {
            LOG.infof("Subworker %s is gone (%s)", w.id, why);
        } else {
            LOG.warnf("Subworker %s lost (%s); re-queueing its %d running tasks", w.id, why, leases.size());
        }
        for (RemoteWorker.Lease lease : leases) {
            engine.handBack(lease.assignment(), TaskError.of(TaskError.WORKER_LOST,
                    "subworker " + w.id + " was lost while running it (" + why + ")"), config.link().maxDeliveries());
        }
        w.socket.close();
    }

    /** Loses workers whose heartbeats stopped and fails attempts whose deadline passed. */
    private void sweep() {
        long now = System.nanoTime();
        long silence = config.link().heartbeatInterval().toNanos() * config.link().missedHeartbeats();
        List<RemoteWorker> silent = new ArrayList<>();
        List<RemoteWorker.Lease> overdue = new ArrayList<>();
        synchronized (lock) {
            for (RemoteWorker w : byId.values()) {
                if (now - w.lastSeenNanos > silence) {
                    silent.add(w);
                    continue;
                }
                w.leases.values().removeIf(l -> {
                    if (now - l.deadlineNanos() > 0) {
                        overdue.add(l);
                        return true;
                    }
                    return false;
                });
            }
        }
        silent.forEach(w -> lost(w, "no heartbeat for " + TimeUnit.NANOSECONDS.toMillis(silence) + " ms"));
        for (RemoteWorker.Lease l : overdue) {
            engine.attemptEnded(l.assignment(), null, TaskError.of(TaskError.TIMEOUT, "no result from subworker "
                    + l.assignment().executor() + " within the task timeout plus " + config.link().grace()));
        }
    }

    // --- dispatch ------------------------------------------------------------------------------------------

    private void dispatchLoop() {
        while (running) {
            try {
                synchronized (lock) {
                    while (running && byId.values().stream().noneMatch(w -> !w.draining && w.credits > 0)) {
                        lock.wait(200);
                    }
                }
                Assignment a = engine.assignNext(100, TimeUnit.MILLISECONDS, this::reserve, this::unreserve);
                if (a != null) {
                    send(withMoreFor(a));
                }
            } catch (InterruptedException e) {
                // stopping
            } catch (RuntimeException e) {
                LOG.error("Dispatch loop error; continuing", e);
            }
        }
    }

    /** Picks the joined worker with the most free slots that can run the task, and takes one of its credits. */
    private String reserve(TaskSpec spec) {
        synchronized (lock) {
            RemoteWorker best = null;
            for (RemoteWorker w : byId.values()) {
                if (w.canTake(spec.name()) && (best == null || w.credits > best.credits)) {
                    best = w;
                }
            }
            if (best == null) {
                try {
                    lock.wait(20); // none can run it now; let credits or workers arrive
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            }
            best.credits--;
            return best.id;
        }
    }

    /**
     * The assignment plus, for a worker that takes batches, the next ready tasks it can run, as long as it has
     * credits and they head the queue (so priority order holds), up to {@link #MAX_BATCH}.
     */
    private List<Assignment> withMoreFor(Assignment first) throws InterruptedException {
        List<Assignment> batch = new ArrayList<>();
        batch.add(first);
        RemoteWorker w;
        synchronized (lock) {
            w = byId.get(first.executor());
        }
        if (w == null || !w.batch) {
            return batch;
        }
        while (batch.size() < MAX_BATCH) {
            Assignment next = engine.assignNext(0, TimeUnit.NANOSECONDS, spec -> {
                synchronized (lock) {
                    if (!w.canTake(spec.name())) {
                        return null;
                    }
                    w.credits--;
                    return w.id;
                }
            }, this::unreserve);
            if (next == null) {
                break;
            }
            batch.add(next);
        }
        return batch;
    }

    private void unreserve(String workerId) {
        synchronized (lock) {
            RemoteWorker w = byId.get(workerId);
            if (w != null) {
                w.credits++;
            }
        }
    }

    private void send(List<Assignment> batch) {
        RemoteWorker w;
        String workerId = batch.get(0).executor();
        synchronized (lock) {
            w = byId.get(workerId);
            if (w != null) {
                for (Assignment a : batch) {
                    long deadline = System.nanoTime()
                            + a.spec().options().timeout().plus(config.link().grace()).toNanos();
                    w.leases.put(a.taskId(), new RemoteWorker.Lease(a, deadline));
                }
            }
        }
        if (w == null) {
            for (Assignment a : batch) {
                engine.handBack(a, TaskError.of(TaskError.WORKER_LOST, "subworker " + workerId
                        + " left before the task reached it"), Integer.MAX_VALUE);
            }
            return;
        }
        if (batch.size() == 1) {
            Assignment a = batch.get(0);
            Span dispatch = tracing.startDispatch(a.traceContext(), a.spanAttributes(), w.id);
            try {
                DeliveryOptions options = new DeliveryOptions().addHeader("taskId", a.taskId());
                tracing.headers(dispatch).forEach(options::addHeader);
                vertx.eventBus().send(LinkProtocol.WORKER_PREFIX + w.id, taskMessage(a), options);
            } finally {
                dispatch.end();
            }
            return;
        }
        JsonArray tasks = new JsonArray();
        List<Span> spans = new ArrayList<>(batch.size());
        for (Assignment a : batch) {
            Span dispatch = tracing.startDispatch(a.traceContext(), a.spanAttributes(), w.id);
            spans.add(dispatch);
            JsonObject t = taskMessage(a);
            Map<String, String> trace = tracing.headers(dispatch);
            if (!trace.isEmpty()) {
                t.put("trace", new JsonObject(new java.util.HashMap<>(trace)));
            }
            tasks.add(t);
        }
        vertx.eventBus().send(LinkProtocol.WORKER_PREFIX + w.id, new JsonObject().put("tasks", tasks));
        spans.forEach(Span::end);
    }

    private static JsonObject taskMessage(Assignment a) {
        TaskSpec s = a.spec();
        return new JsonObject()
                .put("taskId", a.taskId())
                .put("attempt", a.attempt())
                .put("maxAttempts", s.options().maxAttempts())
                .put("task", s.name())
                .put("priority", s.options().priority().wireName())
                .put("args", s.args().isEmpty() ? new JsonArray() : new JsonArray(s.args().toString()))
                .put("kwargs", s.kwargs().isEmpty() ? new JsonObject() : new JsonObject(s.kwargs().toString()))
                .put("timeoutMs", s.options().timeout().toMillis());
    }
}
