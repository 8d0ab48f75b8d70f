package io.fastworker.link;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.dispatch.Capacity;
import io.fastworker.engine.Assignment;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskQueries;
import io.fastworker.execution.Attempt;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.fastworker.telemetry.TaskMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The subworkers joined to this control plane: their slots, their leases and what they send.
 *
 * <p>Guarantees: a subworker is sent a task only against a credit it granted (a free slot), so it never holds
 * more than it can run; every dispatched attempt has a lease. When a subworker's connection closes or its
 * heartbeats stop for {@code missed-heartbeats × heartbeat-interval}, all its leased tasks go back to the front of
 * their queues at once. A result is accepted only for the attempt it was dispatched as, so a task is never reported
 * finished twice. Delivery is at-least-once.
 */
@ApplicationScoped
public class RemoteWorkers {

    /** Most tasks sent to one subworker in one frame. */
    static final int MAX_BATCH = 64;

    private static final String LEFT = "it left";

    private static final Logger LOG = Logger.getLogger(RemoteWorkers.class);
    private static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Set<String> ERROR_TYPES = Set.of(TaskError.TASK_ERROR, TaskError.TIMEOUT,
            TaskError.BAD_ARGUMENTS, TaskError.BAD_RESULT, TaskError.SHUTDOWN);

    /** A subworker as {@code GET /workers} shows it. */
    public record Info(String id, int concurrency, int inFlight, long completed, long failures, Instant lastSeen,
            List<String> tasks, boolean draining) {
    }

    /** A subworker that is gone: {@code left} when it said so, else lost ({@code why}: what was seen). */
    public record Gone(Info last, boolean left, String why, Instant at) {
    }

    /** Departures kept for {@code GET /workers/gone}: the latest this many, for at most an hour. */
    static final int GONE_KEPT = 50;

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskEngine engine;
    @Inject
    TaskQueries queries;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    @Inject
    TaskMetrics metrics;

    @Inject
    io.fastworker.limit.Limits limits;

    @Inject
    AnnouncedTasks announced;

    @Inject
    io.fastworker.execution.TaskRegistry registry;

    /** What a join came to: the worker (and the reply to send), or a refusal with its code. */
    record JoinOutcome(RemoteWorker worker, JsonObject reply, int code, String message) {

        static JoinOutcome refused(int code, String message) {
            return new JoinOutcome(null, null, code, message);
        }
    }

    private final Object lock = new Object();
    private final Map<String, RemoteWorker> byId = new HashMap<>();
    /** The latest departures, newest last; guarded by {@code lock}. */
    private final java.util.ArrayDeque<Gone> gone = new java.util.ArrayDeque<>();
    private volatile Runnable changed = () -> {};
    private volatile boolean accepting;
    private long sweeper = -1;

    /** Starts taking subworker messages; {@code changed} is told whenever slots or workers change. */
    public void start(Runnable changed) {
        this.changed = changed;
        metrics.gauge("fastworker.workers.active", "Connected subworkers", () -> {
            synchronized (lock) {
                return byId.size();
            }
        });
        accepting = true;
        long every = Math.max(50, config.link().heartbeatInterval().toMillis() / 2);
        sweeper = vertx.setPeriodic(every, id -> sweep());
        long forgetCheck = Math.max(100, Math.min(FORGET_CHECK_MS,
                config.tasks().forgetAnnouncedAfter().toMillis() / 2));
        forgetter = vertx.setPeriodic(forgetCheck, id -> vertx.executeBlocking(() -> {
            announced.forgetIdle(queries.queuedByTask().keySet()).forEach(metrics::forgetTask);
            return null;
        }, false));
    }

    /** How often (at most) names no subworker offers any more are looked at, to be forgotten once idle long enough. */
    private static final long FORGET_CHECK_MS = 60_000;
    private long forgetter = -1;

    /** Stops taking subworker messages (late results are dropped quietly from here on). */
    public void stop() {
        accepting = false;
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
        if (forgetter >= 0) {
            vertx.cancelTimer(forgetter);
        }
    }

    /** The joined subworkers that take work, with their free slots. */
    public List<Capacity> capacities() {
        synchronized (lock) {
            List<Capacity> out = new ArrayList<>(byId.size());
            for (RemoteWorker w : byId.values()) {
                if (!w.draining) {
                    out.add(new Capacity(w, w.tasks, w.credits));
                }
            }
            return out;
        }
    }

    public List<Info> list() {
        synchronized (lock) {
            List<Info> out = new ArrayList<>();
            for (RemoteWorker w : byId.values()) {
                out.add(info(w));
            }
            return out;
        }
    }

    /** Tasks leased to subworkers now. */
    public int leased() {
        synchronized (lock) {
            return byId.values().stream().mapToInt(w -> w.leases.size()).sum();
        }
    }

    // --- connection events from the link ---------------------------------------------------------------------

    /** The connection closed: its worker (if it joined) is lost and its leased tasks are queued again. */
    void connectionClosed(LinkConnection connection) {
        RemoteWorker w = connection.worker();
        if (w != null) {
            lost(w, "its connection closed");
        }
    }

    // --- messages from subworkers ---------------------------------------------------------------------------

    /**
     * Joins the worker a connection describes, or refuses it: 401 wrong token, 400 bad join (or an address it
     * registered that is not its own), 409 worker id joined on another open connection.
     */
    JoinOutcome join(LinkConnection connection, JsonObject body, String registered) {
        if (config.link().token().isPresent() && !tokenMatches(body.getValue("token"))) {
            return JoinOutcome.refused(401, "unauthorized: wrong or missing token (fastworker.link.token)");
        }
        String problem = checkJoin(body);
        if (problem != null) {
            return JoinOutcome.refused(400, problem);
        }
        String id = body.getString("workerId");
        if (config.link().tls().clientCa().isPresent()) {
            Set<String> names = connection.certificateNames();
            if (!mayJoinAs(names, id)) {
                return JoinOutcome.refused(403, "worker id '" + id + "' is not one this connection's client "
                        + "certificate may join as (it names " + names + "): put the id in the certificate's CN or "
                        + "a DNS SAN, or map it with fastworker.link.tls.worker-ids");
            }
        }
        if (registered != null && !registered.equals(LinkProtocol.WORKER_PREFIX + id)) {
            return JoinOutcome.refused(400, "registered '" + registered + "' but joined as '" + id + "': a "
                    + "connection receives only for its own worker id");
        }
        List<String> tasks = body.getJsonArray("tasks").stream().map(String::valueOf).toList();
        int concurrency = body.getInteger("concurrency");
        long limit = config.link().maxFrameSize().asLongValue();
        if (body.getValue("maxFrameSize") instanceof Number announced) {
            limit = Math.min(limit, announced.longValue());
        }
        RemoteWorker w = new RemoteWorker(this, id, connection, tasks, concurrency,
                Boolean.TRUE.equals(body.getValue("batch")), limit);
        synchronized (lock) {
            RemoteWorker existing = byId.get(id);
            if (existing != null) {
                return JoinOutcome.refused(409, "worker id '" + id + "' is already joined on another connection; "
                        + "give each subworker its own id (fastworker.worker-id)");
            }
            byId.put(id, w);
            gone.removeIf(g -> g.last().id().equals(id));
        }
        offer(id, tasks, body);
        if (body.getValue("limits") instanceof JsonObject announcedLimits) {
            announcedLimits.forEach(e -> {
                io.fastworker.limit.Limit l = limit((JsonObject) e.getValue());
                io.fastworker.limit.Limit replaced = limits.announced(e.getKey(), l);
                if (replaced != null) {
                    LOG.warnf("Subworker %s announces the limit %s for '%s', replacing %s another announced",
                            id, l, e.getKey(), replaced);
                }
            });
        }
        LOG.infof("Subworker %s joined from %s (concurrency %d, %d tasks)", id, connection.socket.remoteAddress(),
                concurrency, tasks.size());
        changed.run();
        return new JoinOutcome(w, new JsonObject().put("ok", true).put("protocol", LinkProtocol.VERSION)
                .put("taskOptions", true)
                .put("heartbeatIntervalMs", config.link().heartbeatInterval().toMillis())
                .put("maxFrameSize", config.link().maxFrameSize().asLongValue())
                .put("maxResultSize", config.result().maxSize().asLongValue()), 0, null);
    }

    /**
     * Records what a joined subworker offers: its tasks' parameters and options. The options of a task are those
     * of the latest subworker that joined offering it, unless the control plane runs that task itself (its own
     * {@code @Task} then applies); either way a differing announcement is logged. Meters of names new here are
     * made off the event loop.
     */
    private void offer(String id, List<String> tasks, JsonObject body) {
        Map<String, List<String>> parameters = new HashMap<>();
        if (body.getValue("parameters") instanceof JsonObject p) {
            p.forEach(e -> parameters.put(e.getKey(), ((JsonArray) e.getValue()).stream().map(String::valueOf)
                    .toList()));
        }
        Map<String, io.fastworker.execution.TaskOptions.Overrides> options = new HashMap<>();
        if (body.getValue("options") instanceof JsonObject o) {
            o.forEach(e -> options.put(e.getKey(), io.fastworker.execution.TaskOptions.Overrides.fromJson(
                    ((JsonObject) e.getValue()).getMap())));
        }
        List<AnnouncedTasks.Replaced> replaced = new ArrayList<>();
        List<String> fresh = announced.offer(id, tasks, parameters, options, replaced);
        for (AnnouncedTasks.Replaced r : replaced) {
            LOG.warnf("Subworker %s announces the options %s for '%s', replacing %s that %s announced: the latest "
                    + "join's options apply to new submissions", id, r.now().asJson(), r.task(), r.old().asJson(),
                    r.before());
        }
        for (String task : tasks) {
            registry.find(task).filter(own -> options.containsKey(task) && !own.declared().equals(options.get(task)))
                    .ifPresent(own -> LOG.warnf("Subworker %s announces the options %s for '%s', which this control "
                            + "plane runs itself: its own @Task options %s apply", id, options.get(task).asJson(),
                            task, own.declared().asJson()));
        }
        if (!fresh.isEmpty()) {
            vertx.executeBlocking(() -> {
                fresh.forEach(metrics::taskCounters);
                return null;
            }, false);
        }
    }

    private boolean tokenMatches(Object presented) {
        if (!(presented instanceof String s)) {
            return false;
        }
        return MessageDigest.isEqual(s.getBytes(StandardCharsets.UTF_8),
                config.link().token().get().getBytes(StandardCharsets.UTF_8));
    }

    /** A limit as a subworker announces it: {@code {"maxConcurrency": 2, "rateLimit": "10/s"}}. */
    private static io.fastworker.limit.Limit limit(JsonObject o) {
        for (String f : o.fieldNames()) {
            if (!f.equals("maxConcurrency") && !f.equals("rateLimit")) {
                throw new IllegalArgumentException("unknown field '" + f + "'");
            }
        }
        Object mc = o.getValue("maxConcurrency");
        Object rate = o.getValue("rateLimit");
        if (mc != null && !(mc instanceof Integer)) {
            throw new IllegalArgumentException("maxConcurrency must be a whole number");
        }
        if (rate != null && !(rate instanceof String)) {
            throw new IllegalArgumentException("rateLimit must be a string such as \"10/s\"");
        }
        return new io.fastworker.limit.Limit((Integer) mc, rate == null ? null
                : io.fastworker.limit.Rate.parse((String) rate));
    }

    /** Whether a client certificate naming {@code names} may join as {@code id} (mutual TLS). */
    private boolean mayJoinAs(Set<String> names, String id) {
        if (names.contains(id)) {
            return true;
        }
        for (String name : names) {
            String mapped = config.link().tls().workerIds().get(name);
            if (mapped != null && java.util.Arrays.stream(mapped.split(",")).map(String::trim).anyMatch(id::equals)) {
                return true;
            }
        }
        return false;
    }

    private String checkJoin(JsonObject body) {
        if (!Integer.valueOf(LinkProtocol.VERSION).equals(body.getValue("protocol"))) {
            return "unsupported protocol " + body.getValue("protocol") + "; this control plane speaks "
                    + LinkProtocol.VERSION;
        }
        if (!(body.getValue("workerId") instanceof String id) || !WORKER_ID.matcher(id).matches()) {
            return "workerId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -";
        }
        if (id.equals(Identity.workerId(config))) {
            return "workerId '" + id + "' is the control plane's own id; give the subworker another";
        }
        if (!(body.getValue("tasks") instanceof JsonArray tasks) || tasks.isEmpty()
                || !tasks.stream().allMatch(t -> t instanceof String s && !s.isBlank())) {
            return "tasks must be a non-empty array of task names";
        }
        if (!(body.getValue("concurrency") instanceof Integer c) || c < 1 || c > 10_000) {
            return "concurrency must be a whole number from 1 to 10000";
        }
        Object announcedLimits = body.getValue("limits");
        if (announcedLimits != null) {
            if (!(announcedLimits instanceof JsonObject l)) {
                return "limits, when given, must map task names to {maxConcurrency, rateLimit}";
            }
            for (java.util.Map.Entry<String, Object> e : l) {
                if (!((JsonArray) body.getValue("tasks")).contains(e.getKey())) {
                    return "limits names '" + e.getKey() + "', which this subworker does not announce";
                }
                if (!(e.getValue() instanceof JsonObject o)) {
                    return "the limit of '" + e.getKey() + "' must be an object {maxConcurrency, rateLimit}";
                }
                try {
                    limit(o);
                } catch (IllegalArgumentException | ClassCastException x) {
                    return "the limit of '" + e.getKey() + "': " + x.getMessage();
                }
            }
        }
        Object frameSize = body.getValue("maxFrameSize");
        if (frameSize != null && !((frameSize instanceof Integer || frameSize instanceof Long)
                && ((Number) frameSize).longValue() >= LinkConnection.PRE_JOIN_FRAME_LIMIT
                && ((Number) frameSize).longValue() <= Integer.MAX_VALUE)) {
            return "maxFrameSize, when given, must be a whole number of bytes from "
                    + LinkConnection.PRE_JOIN_FRAME_LIMIT
                    + " to " + Integer.MAX_VALUE + ", got " + frameSize;
        }
        Object batch = body.getValue("batch");
        if (batch != null && !(batch instanceof Boolean)) {
            return "batch, when given, must be true or false, got " + batch;
        }
        Object parameters = body.getValue("parameters");
        if (parameters != null && !(parameters instanceof JsonObject p && p.stream()
                .allMatch(e -> e.getValue() instanceof JsonArray a && a.stream().allMatch(n -> n instanceof String)))) {
            return "parameters, when given, must map task names to arrays of parameter names";
        }
        Object options = body.getValue("options");
        if (options != null) {
            if (!(options instanceof JsonObject o)) {
                return "options, when given, must map task names to their options, e.g. {\"resize\": {\"timeout\": "
                        + "\"PT1S\", \"maxRetries\": 2}}";
            }
            for (java.util.Map.Entry<String, Object> e : o) {
                if (!((JsonArray) body.getValue("tasks")).contains(e.getKey())) {
                    return "options names '" + e.getKey() + "', which this subworker does not announce";
                }
                if (!(e.getValue() instanceof JsonObject taskOptions)) {
                    return "the options of '" + e.getKey() + "' must be an object such as {\"timeout\": \"PT1S\"}";
                }
                try {
                    io.fastworker.execution.TaskOptions.withDefaults(config.taskDefaults(),
                            io.fastworker.execution.TaskOptions.Overrides.fromJson(taskOptions.getMap()),
                            "the options of '" + e.getKey() + "'");
                } catch (IllegalArgumentException | IllegalStateException x) {
                    return x.getMessage().startsWith("the options") ? x.getMessage()
                            : "the options of '" + e.getKey() + "': " + x.getMessage();
                }
            }
        }
        return announced.refusal(((JsonArray) body.getValue("tasks")).stream().map(String::valueOf).toList());
    }

    /**
     * A message from a joined worker, on its connection's event loop.
     *
     * @throws IllegalArgumentException when its body has the wrong shape (the connection is then closed)
     */
    void onMessage(RemoteWorker w, String address, JsonObject body) {
        if (!accepting) {
            return;
        }
        List<Runnable> after = new ArrayList<>();
        synchronized (lock) {
            if (byId.get(w.id) != w) {
                return; // already lost: what it still says does not count
            }
            w.seen();
            switch (address) {
                case LinkProtocol.CREDIT -> grant(w, intField(body, "credits"));
                case LinkProtocol.RESULT -> results(w, body, after);
                case LinkProtocol.DRAIN -> drain(w);
                case LinkProtocol.RETURN -> returned(w, body, after);
                case LinkProtocol.LEAVE -> after.add(() -> lost(w, LEFT));
                default -> {
                } // heartbeat: being seen is all
            }
        }
        after.forEach(Runnable::run); // task completions call out to waiting clients: never under the lock
        changed.run();
    }

    /**
     * Adds the slots a subworker granted. One that keeps granting slots it cannot have free (beyond its concurrency,
     * more than its concurrency's worth over the connection's life: a race of a timeout with its late credit never
     * comes near that) lies about its capacity and is refused.
     *
     * @throws IllegalArgumentException when it has over-granted too often (its connection is then closed)
     */
    private static void grant(RemoteWorker w, int credits) {
        if (w.grant(credits) && w.overGranted > w.concurrency) {
            throw new IllegalArgumentException("granted " + w.overGranted + " more slots than its concurrency of "
                    + w.concurrency + " allows it to have free");
        }
    }

    private static int intField(JsonObject body, String field) {
        Object v = body == null ? null : body.getValue(field);
        if (v == null) {
            return 0;
        }
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
            throw new IllegalArgumentException(field + " must be a whole number");
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, n.longValue()));
    }

    private void results(RemoteWorker w, JsonObject body, List<Runnable> after) {
        if (body != null && body.getValue("results") instanceof JsonArray batch) {
            for (Object item : batch) {
                if (!(item instanceof JsonObject r)) {
                    throw new IllegalArgumentException("each of 'results' must be a JSON object");
                }
                result(w, r, after);
            }
        } else if (body != null) {
            result(w, body, after);
        }
    }

    /**
     * One result: ends its lease, records the outcome, then takes the credit it carries (the slot it frees), in
     * that order, so a slot is never lost and the next task on it never starts before this one has ended.
     */
    private void result(RemoteWorker w, JsonObject body, List<Runnable> after) {
        String taskId = body.getString("taskId");
        int attempt = intField(body, "attempt");
        int credits = intField(body, "credits");
        RemoteWorker.Lease lease = taskId == null ? null : w.leases.get(taskId);
        if (lease != null && lease.assignment().attempt() == attempt) {
            w.leases.remove(taskId);
            w.completed++;
            Outcome outcome = outcome(body);
            if (!outcome.ok()) {
                w.failures++;
            }
            after.add(() -> engine.attemptEnded(lease.assignment(), outcome));
        } // else: a late result of an attempt that already ended (its deadline passed, or it was handed back)
        after.add(() -> {
            synchronized (lock) {
                grant(w, credits);
            }
        });
    }

    private Outcome outcome(JsonObject body) {
        if (Boolean.TRUE.equals(body.getValue("ok"))) {
            Buffer json = Json.encodeToBuffer(body.getValue("result"));
            long max = config.result().maxSize().asLongValue();
            if (json.length() > max) {
                return Outcome.failure(TaskError.of(TaskError.BAD_RESULT, "the result takes " + json.length()
                        + " bytes as JSON, more than the " + max + " that the control plane's "
                        + "fastworker.result.max-size allows"));
            }
            return Outcome.success(toJson(json));
        }
        JsonObject e = body.getValue("error") instanceof JsonObject o ? o : new JsonObject();
        String type = e.getValue("type") instanceof String t && ERROR_TYPES.contains(t) ? t : TaskError.TASK_ERROR;
        return Outcome.failure(new TaskError(type, e.getValue("message") instanceof String s ? s : "",
                e.getValue("exception") instanceof String x ? x : null,
                Boolean.TRUE.equals(e.getValue("nonRetryable"))));
    }

    private JsonNode toJson(Buffer json) {
        try {
            return mapper.readTree(json.getBytes());
        } catch (Exception e) {
            throw new IllegalArgumentException("result is not JSON", e);
        }
    }

    private void drain(RemoteWorker w) {
        if (!w.draining) {
            w.draining = true;
            LOG.infof("Subworker %s is draining (%d running)", w.id, w.leases.size());
        }
    }

    private void returned(RemoteWorker w, JsonObject body, List<Runnable> after) {
        String taskId = body.getString("taskId");
        RemoteWorker.Lease lease = taskId == null ? null : w.leases.get(taskId);
        if (lease != null && lease.assignment().attempt() == intField(body, "attempt")) {
            w.leases.remove(taskId);
            after.add(() -> engine.handBack(lease.assignment(), TaskError.of(TaskError.RETURNED,
                    "subworker " + w.id + " returned it unstarted while stopping"), config.link().maxDeliveries()));
        }
    }

    /** Subworkers gone in the last hour (the latest {@value #GONE_KEPT}), newest first; none that joined again. */
    public List<Gone> gone() {
        Instant hourAgo = Instant.now().minusSeconds(3600);
        synchronized (lock) {
            List<Gone> out = new ArrayList<>();
            gone.descendingIterator().forEachRemaining(g -> {
                if (g.at().isAfter(hourAgo)) {
                    out.add(g);
                }
            });
            return out;
        }
    }

    private static Info info(RemoteWorker w) {
        return new Info(w.id, w.concurrency, w.leases.size(), w.completed, w.failures, w.lastSeen,
                w.tasks.stream().sorted().toList(), w.draining);
    }

    private void lost(RemoteWorker w, String why) {
        List<RemoteWorker.Lease> leases;
        synchronized (lock) {
            if (byId.get(w.id) != w) {
                return;
            }
            byId.remove(w.id);
            announced.withdraw(w.id, w.tasks);
            gone.removeIf(g -> g.last().id().equals(w.id));
            gone.addLast(new Gone(info(w), why.equals(LEFT), why, Instant.now()));
            while (gone.size() > GONE_KEPT) {
                gone.removeFirst();
            }
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
        w.connection.close();
        changed.run();
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
            engine.attemptEnded(l.assignment(), Outcome.failure(TaskError.of(TaskError.TIMEOUT, "no result from "
                    + "subworker " + l.assignment().executor() + " within the task timeout plus "
                    + config.link().grace())));
        }
        if (!overdue.isEmpty()) {
            changed.run();
        }
    }

    // --- dispatch ------------------------------------------------------------------------------------------

    /**
     * Sends attempts to {@code w} against its credits, several per frame (a worker that takes batches) as long as
     * a frame stays within the worker's frame limit; hands them back if it has left meanwhile. An attempt too big
     * for any frame fails at once ({@code bad_arguments}) instead of breaking the connection.
     */
    void deliver(RemoteWorker w, List<Assignment> batch) {
        List<Assignment> fitting = new ArrayList<>(batch.size());
        List<Buffer> encoded = new ArrayList<>(batch.size());
        for (Assignment a : batch) {
            Buffer task = taskMessage(a.toAttempt(), w.batch);
            if (task.length() + LinkProtocol.FRAME_OVERHEAD > w.maxFrameSize) {
                engine.attemptEnded(a, Outcome.failure(TaskError.of(TaskError.BAD_ARGUMENTS, "the task's arguments "
                        + "take " + task.length() + " bytes, more than a link frame to subworker " + w.id
                        + " may carry (" + w.maxFrameSize + " bytes, fastworker.link.max-frame-size)")));
                continue;
            }
            fitting.add(a);
            encoded.add(task);
        }
        if (fitting.isEmpty()) {
            return;
        }
        boolean joined;
        synchronized (lock) {
            joined = byId.get(w.id) == w && fitting.size() <= w.credits;
            if (joined) {
                w.credits -= fitting.size();
                long now = System.nanoTime();
                for (Assignment a : fitting) {
                    long wait = a.options().timeout().plus(config.link().grace()).toNanos();
                    w.leases.put(a.taskId(), new RemoteWorker.Lease(a, now + wait));
                }
            }
        }
        if (!joined) {
            for (Assignment a : fitting) {
                engine.handBack(a, TaskError.of(TaskError.WORKER_LOST, "subworker " + w.id
                        + " left before the task reached it"), Integer.MAX_VALUE);
            }
            return;
        }
        String address = LinkProtocol.WORKER_PREFIX + w.id;
        if (!w.batch) {
            for (int i = 0; i < fitting.size(); i++) {
                JsonObject headers = new JsonObject().put("taskId", fitting.get(i).taskId());
                fitting.get(i).toAttempt().trace().forEach(headers::put);
                w.connection.send(LinkProtocol.messageFrame(address, headers, encoded.get(i)));
            }
            return;
        }
        List<Buffer> frame = new ArrayList<>();
        long size = LinkProtocol.FRAME_OVERHEAD;
        for (Buffer task : encoded) {
            if (!frame.isEmpty() && (frame.size() == MAX_BATCH || size + task.length() + 1 > w.maxFrameSize)) {
                w.connection.send(LinkProtocol.batchFrame(address, frame));
                frame = new ArrayList<>();
                size = LinkProtocol.FRAME_OVERHEAD;
            }
            frame.add(task);
            size += task.length() + 1;
        }
        w.connection.send(LinkProtocol.batchFrame(address, frame));
    }

    /** A task as the subworker reads it, written once: its arguments go in as they were parsed, not re-encoded. */
    private Buffer taskMessage(Attempt t, boolean withTrace) {
        ObjectNode m = mapper.createObjectNode();
        m.put("taskId", t.taskId()).put("attempt", t.number()).put("maxAttempts", t.maxAttempts())
                .put("task", t.task()).put("priority", t.priority());
        m.set("args", t.args());
        m.set("kwargs", t.kwargs());
        m.put("timeoutMs", t.timeout().toMillis());
        if (withTrace && !t.trace().isEmpty()) {
            ObjectNode trace = m.putObject("trace");
            t.trace().forEach(trace::put);
        }
        try {
            return Buffer.buffer(mapper.writeValueAsBytes(m));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("task " + t.taskId() + " cannot be written as JSON", e);
        }
    }
}
