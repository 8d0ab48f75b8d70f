package io.fastworker.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.dispatch.Capacity;
import io.fastworker.engine.Assignment;
import io.fastworker.engine.ProgressReports;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskQueries;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.ResultSize;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.execution.TaskRegistry;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Limits;
import io.fastworker.protocol.Cancel;
import io.fastworker.protocol.Credit;
import io.fastworker.protocol.Held;
import io.fastworker.protocol.Join;
import io.fastworker.protocol.JoinReply;
import io.fastworker.protocol.LinkProtocol;
import io.fastworker.protocol.Progress;
import io.fastworker.protocol.Result;
import io.fastworker.protocol.Returned;
import io.fastworker.replica.Membership;
import io.fastworker.telemetry.TaskMetrics;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The subworkers joined to this control plane: joins, what they send, and their slots and leases.
 *
 * <p>Guarantees: a subworker is sent a task only against a credit it granted (a free slot), so it never holds
 * more than it can run; every dispatched attempt has a lease ({@link Leases}). A result is accepted only for the
 * attempt it was dispatched as, so a task is never reported finished twice. Delivery is at-least-once.
 */
@ApplicationScoped
public class RemoteWorkers {

    private static final Logger LOG = Logger.getLogger(RemoteWorkers.class);

    /** A subworker as {@code GET /workers} shows it. */
    public record Info(String id, int concurrency, int inFlight, long completed, long failures, Instant lastSeen,
            List<String> tasks, boolean draining) {
    }

    /** A subworker that is gone: {@code left} when it said so, else lost ({@code why}: what was seen). */
    public record Gone(Info last, boolean left, String why, Instant at) {
    }

    /** How often (at most) names no subworker offers any more are looked at, to be forgotten once idle long enough. */
    private static final long FORGET_CHECK_MS = 60_000;

    @Inject
    FastWorkerConfig.Link linkSettings;

    @Inject
    FastWorkerConfig.Result resultSettings;

    @Inject
    FastWorkerConfig.Tasks tasksSettings;

    @Inject
    WorkerRegistry registry;

    @Inject
    JoinPolicy policy;

    @Inject
    Leases leases;

    @Inject
    Delivery delivery;

    @Inject
    ProgressReports progressReports;

    @Inject
    TaskEngine engine;

    @Inject
    Membership membership;

    @Inject
    TaskQueries queries;

    @Inject
    Vertx vertx;

    @Inject
    Clock clock;

    @Inject
    TaskMetrics metrics;

    @Inject
    Limits limits;

    @Inject
    AnnouncedTasks announced;

    @Inject
    TaskRegistry tasks;

    @Inject
    ObjectMapper mapper;

    private volatile Runnable changed = () -> {};
    private volatile boolean accepting;
    private long sweeper = -1;
    private long forgetter = -1;

    @jakarta.annotation.PostConstruct
    void listen() {
        engine.onStopAsked(this::stopAsked);
    }

    /**
     * Tells the subworker running a cancelled attempt to stop it (a subworker of protocol 1 or 2 cannot be told: its
     * task is cancelled when the attempt ends, whatever its outcome).
     */
    private void stopAsked(TaskEngine.StopAsked s) {
        RemoteWorker w;
        synchronized (registry.lock) {
            w = registry.find(s.executor());
            RemoteWorker.Lease lease = w == null ? null : w.leases.get(s.taskId());
            if (lease == null || lease.assignment().attempt() != s.attempt()) {
                return; // not (or no longer) running there
            }
        }
        if (w.protocol < LinkProtocol.CANCEL_SINCE) {
            LOG.infof("Task(id=%s, attempt=%d): subworker %s speaks link protocol %d and cannot be asked to stop; "
                    + "the task is cancelled when the attempt ends", s.taskId(), s.attempt(), w.id, w.protocol);
            return;
        }
        w.connection.send(LinkProtocol.reply(LinkProtocol.WORKER_PREFIX + w.id, new Cancel(s.taskId(), s.attempt())
                .toJson()));
    }

    /** Starts taking subworker messages; {@code changed} is told whenever slots or workers change. */
    public void start(Runnable changed) {
        this.changed = changed;
        metrics.gauge("fastworker.workers.active", "Connected subworkers", registry::size);
        accepting = true;
        long every = Math.max(50, linkSettings.heartbeatInterval().toMillis() / 2);
        sweeper = vertx.setPeriodic(every, id -> {
            if (leases.sweep()) {
                this.changed.run();
            }
        });
        long forgetCheck = Math.max(100, Math.min(FORGET_CHECK_MS,
                tasksSettings.forgetAnnouncedAfter().toMillis() / 2));
        forgetter = vertx.setPeriodic(forgetCheck, id -> vertx.executeBlocking(() -> {
            announced.forgetIdle(queries.queuedByTask().keySet()).forEach(metrics::forgetTask);
            return null;
        }, false));
    }

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
        return registry.capacities();
    }

    public List<Info> list() {
        return registry.list();
    }

    /** Tasks leased to subworkers now. */
    public int leased() {
        return registry.leased();
    }

    /** Subworkers gone in the last hour (the latest {@value WorkerRegistry#GONE_KEPT}), newest first. */
    public List<Gone> gone() {
        return registry.goneSince(clock.instant().minusSeconds(3600));
    }

    // --- from the link ---------------------------------------------------------------------------------------

    /** The connection closed: its worker (if it joined) is lost and its leased tasks are queued again. */
    void connectionClosed(LinkConnection connection) {
        RemoteWorker w = connection.worker();
        if (w != null) {
            leases.lost(w, "its connection closed");
            changed.run();
        }
    }

    /**
     * What a join came to: the worker, its reply and what to do once the reply is sent; or a refusal with its code.
     */
    record JoinOutcome(RemoteWorker worker, JoinReply reply, Runnable afterReply, int code, String message) {
    }

    /**
     * Joins the worker a connection describes, or refuses it: 401 wrong token, 400 bad join (or an address it
     * registered that is not its own), 403 an id its certificate may not join as, 409 worker id joined on another
     * open connection.
     */
    JoinOutcome join(LinkConnection connection, JsonNode body, String registered) {
        JoinPolicy.Decision d = policy.admit(connection, body, registered);
        if (d.join() == null) {
            return new JoinOutcome(null, null, null, d.code(), d.refusal());
        }
        Join join = d.join();
        long frameLimit = linkSettings.maxFrameSize().asLongValue();
        if (join.maxFrameSize() != null) {
            frameLimit = Math.min(frameLimit, join.maxFrameSize());
        }
        RemoteWorker w = new RemoteWorker(delivery, join.workerId(), connection, join.protocol(), join.tasks(),
                join.concurrency(), join.batch(), frameLimit, clock.instant());
        if (!registry.add(w)) {
            return new JoinOutcome(null, null, null, 409, "worker id '" + join.workerId() + "' is already joined on "
                    + "another connection; give each subworker its own id (fastworker.worker-id)");
        }
        offer(join);
        List<Assignment> stopping = adopt(w, join);
        join.limits().forEach((task, l) -> {
            Limit replaced = limits.announced(task, l);
            if (replaced != null) {
                LOG.warnf("Subworker %s announces the limit %s for '%s', replacing %s another announced",
                        join.workerId(), l, task, replaced);
            }
        });
        LOG.infof("Subworker %s joined from %s (concurrency %d, %d tasks)", join.workerId(),
                connection.socket.remoteAddress(), join.concurrency(), join.tasks().size());
        changed.run();
        return new JoinOutcome(w, new JoinReply(LinkProtocol.VERSION, true,
                linkSettings.heartbeatInterval().toMillis(), linkSettings.maxFrameSize().asLongValue(),
                resultSettings.maxSize().asLongValue(), membership.clustered() ? membership.replication().term() : 0),
                () -> stopping.forEach(a -> stopAsked(new TaskEngine.StopAsked(w.id, a.taskId(), a.attempt()))), 0,
                null);
    }

    /**
     * Keeps the leases of the attempts a re-joining subworker still holds, where this control plane took them up as
     * running on it (a cluster's new leader); the others it reports are none of this control plane's business: their
     * results will be refused, as any result for an attempt not running. Returns those of the kept attempts whose
     * task was asked to stop: the previous leader's cancel may never have reached the subworker, so it is asked again
     * once its join is answered.
     */
    private List<Assignment> adopt(RemoteWorker w, Join join) {
        List<Assignment> kept = new ArrayList<>();
        for (Held h : join.holding()) {
            Assignment a = engine.claim(h.taskId(), h.attempt(), w.id);
            if (a != null) {
                kept.add(a);
            }
        }
        if (!kept.isEmpty()) {
            delivery.adopt(w, kept);
            LOG.infof("Subworker %s re-joined holding %d attempts; %d of them carry on", w.id, join.holding().size(),
                    kept.size());
        }
        return kept.stream().filter(Assignment::cancelling).toList();
    }

    /**
     * Records what a joined subworker offers: its tasks' parameters and options. The options of a task are those
     * of the latest subworker that joined offering it, unless the control plane runs that task itself (its own
     * {@code @Task} then applies); either way a differing announcement is logged. Meters of names new here are
     * made off the event loop.
     */
    private void offer(Join join) {
        String id = join.workerId();
        Map<String, TaskOptions.Overrides> options = join.options();
        List<AnnouncedTasks.Replaced> replaced = new ArrayList<>();
        List<String> fresh = announced.offer(id, join.tasks(), join.parameters(), options, replaced);
        for (AnnouncedTasks.Replaced r : replaced) {
            LOG.warnf("Subworker %s announces the options %s for '%s', replacing %s that %s announced: the latest "
                    + "join's options apply to new submissions", id, r.now().asJson(), r.task(), r.old().asJson(),
                    r.before());
        }
        for (String task : join.tasks()) {
            tasks.find(task).filter(own -> options.containsKey(task) && !own.declared().equals(options.get(task)))
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

    /**
     * A message from a joined worker, on its connection's event loop.
     *
     * @throws IllegalArgumentException when its body has the wrong shape (the connection is then closed)
     */
    void onMessage(RemoteWorker w, String address, JsonNode body) {
        if (!accepting) {
            return;
        }
        List<Runnable> after = new ArrayList<>();
        synchronized (registry.lock) {
            if (!registry.current(w)) {
                return; // already lost: what it still says does not count
            }
            w.seen(clock.instant());
            switch (address) {
                case LinkProtocol.CREDIT -> grant(w, Credit.read(body).credits());
                case LinkProtocol.RESULT -> Result.readAll(body).forEach(r -> result(w, r, after));
                case LinkProtocol.DRAIN -> drain(w);
                case LinkProtocol.RETURN -> returned(w, Returned.read(body), after);
                case LinkProtocol.LEAVE -> after.add(() -> leases.left(w));
                case LinkProtocol.PROGRESS -> progress(w, Progress.read(body), after);
                default -> {
                } // heartbeat: being seen is all
            }
        }
        after.forEach(Runnable::run); // task completions call out to waiting clients: never under the lock
        if (!address.equals(LinkProtocol.PROGRESS)) {
            changed.run(); // a report frees no slot: a subworker flooding them does not wake the dispatcher
        }
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

    /**
     * A progress report: taken only for an attempt this very subworker holds (whatever the body names); a report of
     * another's task, or of an attempt that already ended, is ignored.
     */
    private void progress(RemoteWorker w, Progress p, List<Runnable> after) {
        RemoteWorker.Lease lease = w.leases.get(p.taskId());
        if (lease != null && lease.assignment().attempt() == p.attempt()) {
            after.add(() -> progressReports.report(lease.assignment(), p.fraction(), p.message()));
        }
    }

    /**
     * One result: ends its lease, records the outcome, then takes the credit it carries (the slot it frees), in
     * that order, so a slot is never lost and the next task on it never starts before this one has ended.
     */
    private void result(RemoteWorker w, Result r, List<Runnable> after) {
        RemoteWorker.Lease lease = r.taskId() == null ? null : w.leases.get(r.taskId());
        if (lease != null && lease.assignment().attempt() == r.attempt()) {
            w.leases.remove(r.taskId());
            w.completed++;
            Outcome outcome = ResultSize.within(mapper, r.outcome(), resultSettings.maxSize().asLongValue(),
                    "the control plane's ");
            if (!outcome.ok()) {
                w.failures++;
            }
            after.add(() -> engine.attemptEnded(lease.assignment(), outcome));
        } // else: a late result of an attempt that already ended (its deadline passed, or it was handed back)
        after.add(() -> {
            synchronized (registry.lock) {
                grant(w, r.credits());
            }
        });
    }

    private void drain(RemoteWorker w) {
        if (!w.draining) {
            w.draining = true;
            LOG.infof("Subworker %s is draining (%d running)", w.id, w.leases.size());
        }
    }

    private void returned(RemoteWorker w, Returned r, List<Runnable> after) {
        RemoteWorker.Lease lease = r.taskId() == null ? null : w.leases.get(r.taskId());
        if (lease != null && lease.assignment().attempt() == r.attempt()) {
            w.leases.remove(r.taskId());
            after.add(() -> engine.handBack(lease.assignment(), TaskError.of(TaskError.RETURNED,
                    "subworker " + w.id + " returned it unstarted while stopping"), linkSettings.maxDeliveries()));
        }
    }
}
