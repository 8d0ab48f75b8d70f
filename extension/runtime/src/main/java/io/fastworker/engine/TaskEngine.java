package io.fastworker.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.events.TaskFeed;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Limits;
import io.fastworker.queue.ReadyQueue;
import io.fastworker.queue.TaskState;
import io.fastworker.result.ResultCache;
import io.fastworker.store.Journal;
import io.fastworker.store.JournalRecord;
import io.fastworker.task.Priority;
import io.fastworker.telemetry.TaskMetrics;
import io.fastworker.telemetry.Tracing;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The control plane's tasks and their life cycle: accepts tasks, holds them in the ready queue or waiting for
 * their time (countdown, retry backoff), records each attempt's outcome, and keeps finished tasks in the result
 * cache.
 *
 * <p>Guarantees: an accepted task is never dropped; it ends in exactly one terminal state ({@code success},
 * {@code failure} or {@code cancelled}), which is readable for the result TTL. A task waits in its queue until an
 * executor that offers it has a free slot; it never fails for want of one. With the disk store
 * ({@code fastworker.store.mode=disk}) a submission is accepted only once it is journaled, and a restarted control
 * plane takes up every unfinished task (queued in its priority order, scheduled and retrying ones at their due
 * time, a task that was running queued again with {@code control_plane_restart} in its history: at-least-once) and
 * every result still within its TTL. With {@code memory}, a restart loses them.
 */
@ApplicationScoped
public class TaskEngine {

    private static final Logger LOG = Logger.getLogger(TaskEngine.class);

    /** Decides where a task runs, for {@link #startNext}. */
    public interface Placement {
        /** The executor that takes a task of this name (and one of its slots); called only for runnable names. */
        String place(String task);

        /** Gives back the slot {@link #place} took, when the task turned out not to be queued any more. */
        void undo(String executor);
    }

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskMetrics metrics;

    @Inject
    Clock clock;

    @Inject
    ObjectMapper mapper;

    @Inject
    TaskFeed feed;

    @Inject
    Limits limits;

    @Inject
    jakarta.enterprise.inject.Instance<Followup> allFollowups;

    /** Callbacks, chains, groups: resolved once (a lookup per finished task costs more than the task). */
    private volatile List<Followup> followups = List.of();

    private final Map<String, TaskRecord> live = new ConcurrentHashMap<>();
    /** Failed tasks within their retention, oldest failure first. */
    private DeadLetters deadLetters;
    /** Groups, until the result TTL has passed after they ended. */
    private final Map<String, StoredGroup> groups = new ConcurrentHashMap<>();
    /** What the task store keeps of each schedule. */
    private final Map<String, StoredSchedule> schedules = new ConcurrentHashMap<>();
    /** Idempotency keys and client-chosen ids within the idempotency window. */
    private Claims claims;
    private Holdings held;
    private final ReadyQueue<TaskRecord> ready = new ReadyQueue<>(TaskRecord::priority, TaskRecord::name);
    private ScheduledThreadPoolExecutor timers;
    private ResultCache<TaskView> results;
    private volatile Runnable onReady = () -> {};
    private volatile boolean accepting;
    /** The disk store; null with {@code fastworker.store.mode=memory}. */
    private Journal journal;
    private TaskEvents events;
    private ScheduledExecutorService compactor;

    /** What the engine holds, each bounded by count and by bytes (a share of the heap unless configured). */
    @PostConstruct
    void bounds() {
        long heap = Runtime.getRuntime().maxMemory();
        deadLetters = new DeadLetters(config.deadLetters().max(),
                config.deadLetters().maxBytes().map(MemorySize::asLongValue).orElse(heap / 8));
        held = new Holdings(config.queue().capacity(),
                config.queue().maxBytes().map(MemorySize::asLongValue).orElse(heap / 4));
        claims = new Claims(config.idempotency().maxKeys(),
                config.idempotency().maxBytes().map(MemorySize::asLongValue).orElse(heap / 8));
        results = new ResultCache<>(config.resultCache().size(),
                config.resultCache().maxBytes().map(MemorySize::asLongValue).orElse(heap / 4), Footprint::of,
                config.resultCache().ttl(), clock);
    }

    /** Starts the timers; submissions are taken once {@link #acceptSubmissions()} is called. */
    public void start(Collection<String> knownTasks) {
        followups = allFollowups.stream().toList();
        timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "fastworker-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true); // a cancelled task's timer (up to a year ahead) is freed at once
        timers.scheduleAtFixedRate(timersPulse::beat, 1, 1, TimeUnit.SECONDS);
        for (Priority p : Priority.values()) {
            metrics.gauge("fastworker.queue.depth", "Tasks waiting in the ready queue", () -> ready.depth(p),
                    "priority", p.wireName());
        }
        metrics.controlPlaneCounters(knownTasks);
        metrics.gauge("fastworker.queue.held_bytes", "Heap the arguments of unfinished tasks take, about "
                + "(bounded by fastworker.queue.max-bytes)", () -> held.bytes());
        metrics.gauge("fastworker.result_cache.bytes", "Heap the kept results take, about (bounded by "
                + "fastworker.result-cache.max-bytes)", () -> results.bytes());
        metrics.gauge("fastworker.idempotency.keys", "Idempotency keys and client-chosen task ids held (bounded by "
                + "fastworker.idempotency.max-keys)", () -> claims.size());
        metrics.gauge("fastworker.idempotency.bytes", "Heap the held idempotency keys and ids take, about (bounded "
                + "by fastworker.idempotency.max-bytes)", () -> claims.bytes());
        metrics.gauge("fastworker.dead_letters.bytes", "Heap the dead letters take, about (bounded by "
                + "fastworker.dead-letters.max-bytes)", () -> deadLetters.bytes());
        long sweep = config.resultCache().sweepInterval().toMillis();
        timers.scheduleWithFixedDelay(() -> {
            results.sweep();
            long now = clock.millis();
            claims.sweep(now);
            Instant groupsBefore = clock.instant().minus(config.resultCache().ttl());
            groups.values().removeIf(g -> {
                if (g.endedAt() != null && g.endedAt().isBefore(groupsBefore)) {
                    held.release(0, Footprint.of(g.then()));
                    return true;
                }
                return false;
            });
            sweepDeadLetters(clock.instant());
        }, sweep, sweep, TimeUnit.MILLISECONDS);
        metrics.gauge("fastworker.tasks.limited", "Queued tasks waiting on their task's concurrency or rate limit",
                () -> {
                    int waiting = 0;
                    for (Limits.View v : limits.list()) {
                        waiting += limits.blocked(v.task()) ? ready.depth(v.task()) : 0;
                    }
                    return waiting;
                });
        metrics.gauge("fastworker.tasks.dead_letters", "Failed tasks kept as dead letters", () -> {
            return deadLetters.size();
        });
        if (config.store().mode() == FastWorkerConfig.StoreMode.DISK) {
            try {
                recover();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
    }

    /** Reads the journal back into the queue, the timers and the result cache, then opens it for appending. */
    private void recover() throws IOException {
        long t0 = System.nanoTime();
        events = new TaskEvents(mapper);
        journal = Journal.open(Path.of(config.store().path()),
                config.store().sync() == FastWorkerConfig.SyncMode.ALWAYS, config.store().syncInterval());
        Map<String, TaskEvents.Restored> found = new java.util.LinkedHashMap<>();
        Map<String, Limit> limitsSet = new java.util.HashMap<>();
        Map<String, Claim> claimsKept = new java.util.HashMap<>();
        Map<String, StoredSchedule> schedulesKept = new java.util.HashMap<>();
        Map<String, StoredGroup> groupsKept = new java.util.HashMap<>();
        long[] order = {0};
        Journal.Recovery read;
        try {
            read = journal.replay(bytes -> {
                try {
                    events.apply(bytes, found, claimsKept, limitsSet, schedulesKept, groupsKept, order[0]++,
                            config.idempotency().window().toMillis());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, config.store().setAsideCorrupt());
        } catch (UncheckedIOException e) {
            throw new IOException("the task store in " + journal.directory().toAbsolutePath()
                    + " holds a record that cannot be read back: " + e.getCause().getMessage()
                    + " (fastworker.store.set-aside-corrupt=true starts anyway, setting the file aside)", e.getCause());
        }
        claims.restore(claimsKept);
        journal.onSync(metrics.storeSyncs());
        journal.startAppending();
        limitsSet.forEach((task, l) -> limits.set(task, Limits.Source.API, l));
        // A task a schedule submitted records its tick: its acceptance is durable even when the run record after
        // it was not (a crash in between), so the last run is the latest of both.
        for (TaskEvents.Restored t : found.values()) {
            if (t.schedule != null) {
                StoredSchedule st = schedulesKept.getOrDefault(t.schedule.id(), StoredSchedule.empty(t.schedule.id()));
                if (st.lastTick() == null || t.schedule.tick().isAfter(st.lastTick())) {
                    schedulesKept.put(st.id(), st.withRun(t.schedule.tick(), t.id));
                }
            }
        }
        schedules.putAll(schedulesKept);
        schedulesKept.values().forEach(st -> held.add(0, Footprint.of(st.definition())));
        Instant groupsSince = clock.instant().minus(config.resultCache().ttl());
        groupsKept.values().stream().filter(g -> g.endedAt() == null || g.endedAt().isAfter(groupsSince))
                .forEach(g -> {
                    groups.put(g.id(), g);
                    held.add(0, Footprint.of(g.then()));
                });
        Instant now = clock.instant();
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        List<TaskEvents.Restored> byOrder = new ArrayList<>(found.values());
        byOrder.sort(Comparator.comparingLong(t -> t.order));
        List<TaskEvents.Restored> finished = new ArrayList<>();
        int results = 0;
        for (TaskEvents.Restored t : byOrder) {
            counts.merge(t.state(), 1, Integer::sum);
            if (t.state().isTerminal()) {
                finished.add(t);
                continue;
            }
            TaskRecord r = t.record();
            if (t.state() == TaskState.RUNNING) {
                // The attempt it ran is lost with the process that ran it: handed back, through the one apply path.
                TaskCommand lost = new TaskCommand.HandBack(t.id, t.life.attempts, TaskError.of(
                        TaskError.CONTROL_PLANE_RESTART, "the control plane restarted while this attempt ran"), now);
                r.apply(lost);
                journal.appendUnwaited(events.command(lost));
            }
            live.put(t.id, r);
            held.add(1, r.footprint);
            if (r.state() == TaskState.QUEUED) {
                ready.add(r);
            } else {
                Instant due = r.dueAt() != null ? r.dueAt() : now;
                waitThenQueue(r, r.state(), due.isAfter(now) ? Duration.between(now, due) : Duration.ZERO);
            }
        }
        // Oldest first, so that the size bounds keep the newest results.
        finished.sort(Comparator.comparing(t -> t.life.finishedAt == null ? t.submittedAt : t.life.finishedAt));
        for (TaskEvents.Restored t : finished) {
            Instant stored = t.life.finishedAt == null ? t.submittedAt : t.life.finishedAt;
            TaskView view = t.view();
            this.results.restore(t.id, view, stored.toEpochMilli());
            if (t.state() == TaskState.FAILURE && t.spec != null && !t.deadLetterDeleted) {
                addDeadLetter(new DeadLetter(t.spec, view, t.trace));
            }
        }
        sweepDeadLetters(now);
        results = this.results.size();
        for (TaskEvents.Restored t : finished) {
            if ((t.spec != null && t.spec.then() != null && t.state() == TaskState.SUCCESS) || t.group != null) {
                followUp(t.view(), t.spec, t.trace, true);
            }
        }
        if (held.over()) {
            LOG.warnf("Task store %s: what it restored takes more than fastworker.queue.capacity or .max-bytes allow "
                    + "(%d unfinished tasks, about %d MiB held for later, of %d MiB); all of it is kept, and new "
                    + "submissions are refused with 429 until it drains", journal.directory().toAbsolutePath(),
                    held.count(), held.bytes() >> 20, held.maxBytes() >> 20);
        }
        String torn = read.tornBytes() == 0 ? ""
                : String.format("; a torn last record (%d bytes, never acknowledged) was dropped from %s",
                        read.tornBytes(), read.tornFile());
        String summary = String.format("Task store %s: %d records read in %d ms; restored %d unfinished tasks (%s)"
                + " and %d results%s", journal.directory().toAbsolutePath(), read.records(),
                (System.nanoTime() - t0) / 1_000_000, held.count(), describe(counts), results, torn);
        if (read.setAside() != null) {
            LOG.errorf("Task store %s: a corrupt journal file was set aside as %s (fastworker.store.set-aside-corrupt);"
                    + " the %d bytes after its corrupt record are lost, with the tasks and results they held",
                    journal.directory().toAbsolutePath(), read.setAside(), read.lostBytes());
        }
        if (read.tornBytes() > 0 || read.setAside() != null) {
            LOG.warn(summary);
        } else {
            LOG.info(summary);
        }
        metrics.gauge("fastworker.store.size", "Bytes the task store's files take on disk",
                () -> journal.sizeOnDisk());
        long compactAfter = config.store().compactAfter().asLongValue();
        compactor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fastworker-compaction");
            t.setDaemon(true);
            return t;
        });
        compactionPulse.beat();
        compactor.scheduleWithFixedDelay(() -> {
            compactionPulse.beat();
            // Growth of at least the last snapshot's size keeps the cost of compacting in proportion to appends.
            if (journal.bytesSinceCompaction() >= Math.max(compactAfter, journal.snapshotBytes())
                    && journal.failure() == null) {
                compact();
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    private static String describe(Map<TaskState, Integer> counts) {
        StringBuilder b = new StringBuilder();
        for (TaskState s : TaskState.values()) {
            if (!s.isTerminal() && counts.containsKey(s)) {
                b.append(b.length() == 0 ? "" : ", ").append(counts.get(s)).append(' ').append(s.wireName())
                        .append(s == TaskState.RUNNING ? " (queued again)" : "");
            }
        }
        return b.length() == 0 ? "none" : b.toString();
    }

    /** Rewrites the journal as what is held now: the unfinished tasks and the results still kept. */
    void compact() {
        long t0 = System.nanoTime();
        try {
            journal.compact(records -> {
                java.util.function.Consumer<JournalRecord> sink = r -> {
                    compactionPulse.beat(); // a long compaction is progress, not a stall
                    records.accept(r);
                };
                for (TaskRecord r : live.values()) {
                    TaskView v = r.view();
                    sink.accept(v.status().isTerminal() ? events.snapshot(v) : events.snapshot(r, v, r.dueAt()));
                }
                // Copied first, so that finishing tasks do not wait for the cache while the snapshot is written.
                List<TaskView> kept = new ArrayList<>(results.size());
                results.forEachLive(kept::add);
                kept.forEach(v -> sink.accept(events.snapshot(v)));
                List<DeadLetter> failed;
                failed = deadLetters.all();
                failed.forEach(d -> sink.accept(events.deadLetter(d)));
                long now = clock.millis();
                claims.forEachUnexpired(now, (key, c) -> sink.accept(events.claim(key, c)));
                limits.fromApi().forEach((task, l) -> sink.accept(events.limit(task, l)));
                schedules.values().forEach(sched -> events.schedule(sched).forEach(sink));
                groups.values().forEach(grp -> sink.accept(events.groupKept(grp)));
            });
            LOG.debugf("Task store compacted in %d ms: %d bytes on disk", (System.nanoTime() - t0) / 1_000_000,
                    journal.sizeOnDisk());
        } catch (IOException | RuntimeException e) {
            LOG.errorf("Task store compaction failed (the journal keeps growing until one succeeds): %s",
                    e.toString());
        }
    }

    /**
     * Appends a record of a state change after acceptance (disk store only). Nobody waits for it: a crash of the
     * process loses none, a crash of the machine at worst the last sync interval's (the task then runs again).
     */
    private void journal(java.util.function.Supplier<JournalRecord> record) {
        Journal j = journal;
        if (j != null) {
            j.appendUnwaited(record.get());
        }
    }

    private final io.fastworker.health.Pulse timersPulse = new io.fastworker.health.Pulse("timers");
    private final io.fastworker.health.Pulse compactionPulse = new io.fastworker.health.Pulse("compaction");

    /**
     * What is wrong at {@code now} (nanoTime) with the threads the engine needs: the timers (due tasks, retries,
     * sweeps), the journal's writer and compaction (disk store); empty while they live and keep up.
     */
    public List<String> problems(long now, long stallNanos) {
        List<String> problems = new ArrayList<>();
        if (timers == null || timers.isShutdown()) {
            return problems; // not started yet, or stopping
        }
        java.util.function.Consumer<String> add = p -> {
            if (p != null) {
                problems.add(p);
            }
        };
        add.accept(timersPulse.problem(now, stallNanos));
        Journal j = journal;
        if (j != null) {
            add.accept(j.problem(now, stallNanos));
            add.accept(compactionPulse.problem(now, stallNanos));
        }
        return problems;
    }

    /** Why the store refuses records, or null while it works (or with the memory store). */
    public String storeFailure() {
        Journal j = journal;
        return j == null || j.failure() == null ? null : j.failure().toString();
    }

    /** Called whenever a task enters the ready queue (the dispatcher's wake-up). */
    public void onReady(Runnable listener) {
        onReady = listener;
    }

    public void acceptSubmissions() {
        accepting = true;
    }

    /** From now on submissions are refused with {@code 503}; what was accepted is kept. */
    public void stopAccepting() {
        accepting = false;
    }

    /** Frees the timers and closes the store; with the memory store, tasks still held are lost. */
    public void stop() {
        accepting = false;
        if (timers != null) {
            timers.shutdownNow();
        }
        if (compactor != null) {
            compactor.shutdownNow();
        }
        if (journal != null) {
            journal.close();
        }
    }

    /** Whether unfinished tasks survive a restart (the disk store). */
    public boolean durable() {
        return journal != null;
    }

    /** Whether submissions are accepted (started and not shutting down). */
    public boolean accepting() {
        return accepting;
    }

    /**
     * Accepts all the tasks or none: on a full queue or a reused id nothing is accepted. The tasks' dispatch and
     * execute spans join the trace of {@code traceContext} (W3C headers; empty when untraced).
     *
     * @throws QueueFullException when the tasks do not all fit
     * @throws DuplicateTaskIdException when an id is known already or repeated in the list
     * @throws NotAcceptingException while starting or stopping
     */
    public CompletableFuture<List<Accepted>> submit(List<Submission> submissions, Map<String, String> traceContext) {
        if (!accepting) {
            throw new NotAcceptingException("the control plane is not accepting tasks (starting or stopping); "
                    + "retry shortly");
        }
        String storeFailure = storeFailure();
        if (storeFailure != null) {
            throw new NotAcceptingException("the task store cannot record tasks (" + storeFailure + "); nothing "
                    + "was accepted");
        }
        Instant now = clock.instant();
        Accepted[] answers = new Accepted[submissions.size()];
        List<Submission> fresh = new ArrayList<>(submissions.size());
        List<String> claimed;
        try {
            claimed = claims.claim(submissions, answers, fresh, now.toEpochMilli(),
                    config.idempotency().window().toMillis(), id -> find(id).orElse(null));
        } catch (QueueFullException e) {
            metrics.rejected(e.reason(), submissions.size());
            throw e;
        }
        List<TaskRecord> accepted = new ArrayList<>(fresh.size());
        long bytes = 0;
        try {
            Set<String> ids = new HashSet<>();
            for (Submission sub : fresh) {
                String id = sub.spec().id();
                if (!ids.add(id) || live.containsKey(id) || results.get(id) != null) {
                    throw new DuplicateTaskIdException(id);
                }
            }
            long[] footprints = new long[fresh.size()];
            for (int i = 0; i < footprints.length; i++) {
                footprints[i] = Footprint.of(fresh.get(i).spec());
                bytes += footprints[i];
            }
            try {
                held.reserve(fresh.size(), bytes);
            } catch (QueueFullException e) {
                metrics.rejected(e.reason(), fresh.size());
                throw e;
            }
            for (int i = 0; i < footprints.length; i++) {
                TaskSpec s = fresh.get(i).spec();
                TaskRecord r = TaskRecord.accepted(s, now, traceContext, footprints[i]);
                if (live.putIfAbsent(s.id(), r) != null) {
                    // Lost a race with a concurrent submission of the same id: undo this whole call.
                    accepted.forEach(a -> live.remove(a.id()));
                    held.release(fresh.size(), bytes);
                    throw new DuplicateTaskIdException(s.id());
                }
                accepted.add(r);
            }
        } catch (RuntimeException e) {
            claimed.forEach(claims::release);
            throw e;
        }
        int next = 0;
        for (int i = 0; i < answers.length; i++) {
            if (answers[i] == null) {
                TaskRecord r = accepted.get(next++);
                // the state at acceptance, before an executor can pick it up
                answers[i] = new Accepted(r.id(), r.name(), r.view(), false);
            }
        }
        List<Accepted> result = List.of(answers);
        long heldBytes = bytes;
        Journal j = journal;
        if (j == null || accepted.isEmpty()) {
            enqueue(accepted, now);
            return CompletableFuture.completedFuture(result);
        }
        List<JournalRecord> records = new ArrayList<>(accepted.size());
        for (int i = 0; i < accepted.size(); i++) {
            records.add(events.accepted(accepted.get(i), fresh.get(i)));
        }
        return j.appendAll(records).handle((ok, failure) -> {
            if (failure != null) {
                accepted.forEach(a -> live.remove(a.id()));
                held.release(accepted.size(), heldBytes);
                claimed.forEach(claims::release);
                metrics.rejected("not_accepting", accepted.size());
                throw new NotAcceptingException("the task store could not record the tasks (" + failure
                        + "); nothing was accepted");
            }
            enqueue(accepted, now);
            return result;
        });
    }

    /** Accepted tasks (durable when the store is on disk) enter the ready queue or wait for their time. */
    private void enqueue(List<TaskRecord> accepted, Instant now) {
        boolean queued = false;
        for (TaskRecord r : accepted) {
            metrics.submitted(r.name());
            feed.publish(r.id(), r.name(), r.state(), r.attempts(), null, now);
            if (r.state() == TaskState.SCHEDULED) {
                waitThenQueue(r, TaskState.SCHEDULED, Duration.between(now, r.spec.notBefore()));
            } else if (r.state() == TaskState.QUEUED) {
                ready.add(r);
                queued = true;
            }
        }
        if (queued) {
            onReady.run();
        }
    }

    private void waitThenQueue(TaskRecord r, TaskState from, Duration delay) {
        r.timer(timers.schedule(() -> {
            if (change(r, new TaskCommand.Release(r.id(), from, clock.instant()))) {
                ready.add(r);
                onReady.run();
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS));
    }

    public Optional<TaskView> find(String id) {
        TaskRecord r = live.get(id);
        if (r != null) {
            return Optional.of(r.view());
        }
        return Optional.ofNullable(results.get(id));
    }

    /** Completes with the final view once the task has finished; empty if the id is unknown. */
    public Optional<CompletableFuture<TaskView>> completion(String id) {
        TaskRecord r = live.get(id);
        if (r != null) {
            return Optional.of(r.done);
        }
        TaskView finished = results.get(id);
        return finished == null ? Optional.empty() : Optional.of(CompletableFuture.completedFuture(finished));
    }

    public CancelOutcome cancel(String id) {
        TaskRecord r = live.get(id);
        if (r == null) {
            return results.get(id) == null ? CancelOutcome.NOT_FOUND : CancelOutcome.NOT_CANCELLABLE;
        }
        Instant now = clock.instant();
        if (!change(r, new TaskCommand.Cancel(id, now))) {
            return CancelOutcome.NOT_CANCELLABLE;
        }
        ready.remove(r);
        LOG.infof("%s cancelled", r.describe());
        finish(r);
        return CancelOutcome.CANCELLED;
    }

    /**
     * The most recently submitted tasks, live and finished (while kept), newest first, filtered by status and task
     * name: {@code limit} of them after skipping the {@code offset} newest. Reading a task does not change this order.
     */
    public TaskPage recent(TaskState status, String task, int offset, int limit) {
        int[] total = {0};
        List<TaskView> newest = recent(status, task, offset + limit, total);
        return new TaskPage(total[0], newest.size() <= offset ? List.of()
                : List.copyOf(newest.subList(offset, newest.size())));
    }

    private List<TaskView> recent(TaskState status, String task, int limit, int[] total) {
        Predicate<TaskView> match = v -> (status == null || v.status() == status)
                && (task == null || v.task().equals(task));
        Comparator<TaskView> newestFirst = Comparator.comparing(TaskView::submittedAt).reversed();
        PriorityQueue<TaskView> newest = new PriorityQueue<>(limit + 1, newestFirst.reversed()); // oldest on top
        java.util.function.Consumer<TaskView> offer = v -> {
            if (match.test(v)) {
                total[0]++;
                newest.add(v);
                if (newest.size() > limit) {
                    newest.poll();
                }
            }
        };
        for (TaskRecord r : live.values()) {
            offer.accept(r.view());
        }
        results.forEachLive(offer);
        List<TaskView> out = new ArrayList<>(newest);
        out.sort(newestFirst);
        return out;
    }

    // --- dead letters ------------------------------------------------------------------------------------------

    private void addDeadLetter(DeadLetter d) {
        deadLetters.add(d);
    }

    private void sweepDeadLetters(Instant now) {
        deadLetters.sweep(now.minus(config.deadLetters().retention()));
    }

    /**
     * Failed tasks kept (newest failure first), filtered by task name, error type and when they failed
     * ({@code since} inclusive, {@code until} exclusive; null for no bound), {@code limit} from {@code offset}.
     */
    public TaskPage deadLetters(String task, String errorType, Instant since, Instant until, int offset,
            int limit) {
        List<TaskView> matching = new ArrayList<>();
        for (DeadLetter d : deadLetters.all()) {
            TaskView v = d.view();
            if ((task == null || v.task().equals(task))
                    && (errorType == null || (v.error() != null && v.error().type().equals(errorType)))
                    && (since == null || !v.finishedAt().isBefore(since))
                    && (until == null || v.finishedAt().isBefore(until))) {
                matching.add(v);
            }
        }
        matching.sort(Comparator.comparing(TaskView::finishedAt).reversed());
        int from = Math.min(offset, matching.size());
        return new TaskPage(matching.size(),
                List.copyOf(matching.subList(from, Math.min(matching.size(), from + limit))));
    }

    /** Forgets a dead letter (its result, while kept, stays readable); false if there is none. */
    public boolean deleteDeadLetter(String id) {
        boolean removed = deadLetters.remove(id) != null;
        if (removed) {
            Instant now = clock.instant();
            journal(() -> events.deadLetterDeleted(id, now));
        }
        return removed;
    }

    /**
     * Queues a failed task again as a new attempt of the same task: same id, its history and attempt count go on.
     * Completes once the retry is recorded (on disk with the disk store).
     *
     * @throws RetryRefusedException when no such failed task is kept, or the task has not failed
     */
    public CompletableFuture<TaskView> retry(String id) {
        if (!accepting) {
            throw new NotAcceptingException("the control plane is not accepting tasks (starting or stopping); "
                    + "retry shortly");
        }
        DeadLetter d = deadLetters.remove(id);
        if (d == null) {
            Optional<TaskView> v = find(id);
            throw new RetryRefusedException(v.isPresent() ? RetryOutcome.NOT_FAILED : RetryOutcome.NOT_FOUND, id,
                    v.map(TaskView::status).orElse(null));
        }
        Instant now = clock.instant();
        TaskRecord r = d.record();
        TaskCommand retry = new TaskCommand.Retry(id, now);
        r.apply(retry); // failure -> queued, its retry policy granted anew
        try {
            held.reserve(1, r.footprint);
        } catch (QueueFullException e) {
            addDeadLetter(d);
            throw e;
        }
        if (live.putIfAbsent(id, r) != null) {
            held.release(1, r.footprint);
            addDeadLetter(d);
            throw new RetryRefusedException(RetryOutcome.NOT_FAILED, id, find(id).map(TaskView::status).orElse(null));
        }
        results.remove(id);
        TaskView view = r.view();
        LOG.infof("%s retried by request", r.describe());
        Journal j = journal;
        if (j == null) {
            enqueue(List.of(r), now);
            return CompletableFuture.completedFuture(view);
        }
        return j.append(events.command(retry)).handle((ok, failure) -> {
            if (failure != null) {
                live.remove(id);
                held.release(1, r.footprint);
                addDeadLetter(d);
                throw new NotAcceptingException("the task store could not record the retry (" + failure + ")");
            }
            enqueue(List.of(r), now);
            return view;
        });
    }

    /**
     * Sets ({@code limit} non-null) or removes the limit of {@code task} set through the API; completes once it is
     * recorded (on disk with the disk store, so that it outlives a restart). The dispatcher is woken by the caller.
     */
    public CompletableFuture<Void> limit(String task, Limit limit) {
        return recorded(journal == null ? null : events.limit(task, limit),
                () -> limits.set(task, Limits.Source.API, limit));
    }

    /** A group, while it is kept. */
    public Optional<StoredGroup> group(String id) {
        return Optional.ofNullable(groups.get(id));
    }

    /**
     * Keeps a group before its members are submitted; completes once recorded.
     *
     * @throws QueueFullException when its {@code then} does not fit what the control plane may hold
     */
    public CompletableFuture<Void> keepGroup(StoredGroup group) {
        long bytes = Footprint.of(group.then());
        held.reserveBytes(bytes);
        return unreservedOnFailure(recorded(journal == null ? null : events.groupKept(group),
                () -> groups.put(group.id(), group)), bytes);
    }

    private CompletableFuture<Void> unreservedOnFailure(CompletableFuture<Void> recorded, long bytes) {
        return recorded.whenComplete((ok, failure) -> {
            if (failure != null) {
                held.release(0, bytes);
            }
        });
    }

    /** Forgets a group whose members were not accepted. */
    public void forgetGroup(String id) {
        StoredGroup g = groups.remove(id);
        if (g != null) {
            held.release(0, Footprint.of(g.then()));
        }
    }

    /** Every member of a group has ended (nobody waits for this record). */
    public void groupEnded(String id, Instant at) {
        StoredGroup g = groups.computeIfPresent(id, (k, v) -> v.endedAt() == null ? v.ended(at) : v);
        Journal j = journal;
        if (g != null && j != null) {
            j.appendUnwaited(events.groupEnded(id, at));
        }
    }

    /** Every schedule's state as the task store kept it (after a restart, as it was before). */
    public Map<String, StoredSchedule> storedSchedules() {
        return Map.copyOf(schedules);
    }

    /**
     * Keeps ({@code definition} non-null) or forgets the definition of a schedule made through the API; forgetting
     * it forgets its state too. Completes once recorded (on disk with the disk store).
     */
    public CompletableFuture<Void> keepSchedule(String id, com.fasterxml.jackson.databind.JsonNode definition) {
        long bytes = Footprint.of(definition);
        held.reserveBytes(bytes);
        return unreservedOnFailure(recorded(journal == null ? null : events.scheduleDefined(id, definition), () -> {
            StoredSchedule old = schedules.get(id);
            held.release(0, old == null ? 0 : Footprint.of(old.definition()));
            if (definition == null) {
                schedules.remove(id);
            } else {
                schedules.merge(id, StoredSchedule.empty(id).withDefinition(definition),
                        (o, x) -> o.withDefinition(definition));
            }
        }), bytes);
    }

    /** Keeps whether a schedule is paused; completes once recorded. */
    public CompletableFuture<Void> keepSchedulePaused(String id, boolean paused) {
        return recorded(journal == null ? null : events.schedulePaused(id, paused), () -> schedules.merge(id,
                StoredSchedule.empty(id).withPaused(paused), (old, x) -> old.withPaused(paused)));
    }

    /** Keeps a schedule's last run (its task was accepted already; nobody waits for this record). */
    public void keepScheduleRun(String id, Instant tick, String taskId) {
        schedules.merge(id, StoredSchedule.empty(id).withRun(tick, taskId), (old, x) -> old.withRun(tick, taskId));
        Journal j = journal;
        if (j != null) {
            j.appendUnwaited(events.scheduleRan(id, tick, taskId));
        }
    }

    private CompletableFuture<Void> recorded(JournalRecord record, Runnable then) {
        Journal j = journal;
        if (j == null || record == null) {
            then.run();
            return CompletableFuture.completedFuture(null);
        }
        return j.append(record).thenRun(then);
    }

    public int depth(Priority priority) {
        return ready.depth(priority);
    }

    /** Tasks waiting in the ready queue, by task name (names with none left out). */
    public Map<String, Integer> queuedByTask() {
        return ready.depthByKey();
    }

    /** Unfinished tasks held (queued, scheduled, retrying, running). */
    public int unfinished() {
        return held.count();
    }

    /** Unfinished tasks by state, e.g. for the log line of a stopping control plane. */
    public Map<TaskState, Integer> unfinishedByState() {
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        for (TaskRecord r : live.values()) {
            counts.merge(r.state(), 1, Integer::sum);
        }
        return counts;
    }

    // --- called by the dispatcher and executors --------------------------------------------------------------

    /**
     * Takes the highest-priority ready task whose name {@code runnable} accepts and starts an attempt of it where
     * {@code placement} puts it; null when no such task is queued.
     */
    public Assignment startNext(Predicate<String> runnable, Placement placement) {
        while (true) {
            TaskRecord r = ready.poll(name -> runnable.test(name) && limits.admits(name));
            if (r == null) {
                return null;
            }
            String executor = placement.place(r.name());
            Instant now = clock.instant();
            int attempt = r.attempts() + 1; // only this thread starts attempts
            if (change(r, new TaskCommand.Start(r.id(), attempt, executor, now))) {
                return new Assignment(r, attempt, executor);
            }
            placement.undo(executor); // cancelled while we took it
        }
    }

    /** Records the outcome of one attempt: success, a retry after backoff, or the final failure. */
    public void attemptEnded(Assignment a, Outcome outcome) {
        TaskRecord r = a.record;
        int attempt = a.attempt();
        Instant now = clock.instant();
        TaskError error = outcome.error();
        if (error == null) {
            if (change(r, new TaskCommand.End(r.id(), attempt, TaskState.SUCCESS, outcome.result(), null, now,
                    null))) {
                LOG.debugf("%s succeeded on %s", a.describe(), a.executor());
                finish(r);
            }
            return;
        }
        boolean retry = error.retryable() && attempt < r.maxAttempts();
        TaskState next = retry ? TaskState.RETRYING : TaskState.FAILURE;
        Duration backoff = retry ? r.spec.options().backoffBefore(attempt - r.attemptBase()) : null;
        if (!change(r, new TaskCommand.End(r.id(), attempt, next, null, error, now,
                retry ? now.plus(backoff) : null))) {
            return;
        }
        try (Tracing.LogScope trace = Tracing.logScope(a.trace())) {
            if (retry) {
                LOG.warnf("%s failed on %s (%s); retrying in %d ms", a.describe(), a.executor(), describe(error),
                        backoff.toMillis());
                waitThenQueue(r, TaskState.RETRYING, backoff);
            } else {
                LOG.errorf("%s failed on %s (%s)", a.describe(), a.executor(), describe(error));
            }
        }
        if (!retry) {
            finish(r);
        }
    }

    /** An error for a log line: its type and exception class, and its message only when configured. */
    private String describe(TaskError e) {
        StringBuilder b = new StringBuilder(e.type());
        if (e.exception() != null) {
            b.append(' ').append(e.exception());
        }
        if (config.log().taskErrorMessages()) {
            b.append(": ").append(e.message());
        }
        return b.toString();
    }

    /**
     * Puts a running attempt back at the front of its priority queue, because its executor was lost or returned
     * it unstarted. After {@code maxDeliveries} attempts a lost task fails instead, with the reason as its error.
     */
    public void handBack(Assignment a, TaskError reason, int maxDeliveries) {
        TaskRecord r = a.record;
        Instant now = clock.instant();
        if (a.attempt() - r.attemptBase() >= maxDeliveries && TaskError.WORKER_LOST.equals(reason.type())) {
            if (change(r, new TaskCommand.End(r.id(), a.attempt(), TaskState.FAILURE, null, reason, now, null))) {
                try (Tracing.LogScope trace = Tracing.logScope(a.trace())) {
                    LOG.errorf("%s lost with %s after %d deliveries; failing it", a.describe(), a.executor(),
                            a.attempt());
                }
                finish(r);
            }
            return;
        }
        if (change(r, new TaskCommand.HandBack(r.id(), a.attempt(), reason, now))) {
            try (Tracing.LogScope trace = Tracing.logScope(a.trace())) {
                LOG.warnf("%s handed back by %s (%s); queued again", a.describe(), a.executor(), reason.type());
            }
            ready.addFirst(r);
            onReady.run();
        }
    }

    private void finish(TaskRecord r) {
        TaskView view = r.view();
        if (view.status() == TaskState.FAILURE) {
            addDeadLetter(new DeadLetter(r.spec, view, r.traceContext));
        }
        results.put(r.id(), view);
        live.remove(r.id());
        held.release(1, r.footprint);
        r.done.complete(view);
        followUp(view, r.spec, r.traceContext, false);
    }

    private void followUp(TaskView view, TaskSpec spec, Map<String, String> trace, boolean afterRestart) {
        for (Followup f : followups) {
            try {
                f.taskEnded(view, spec, trace, afterRestart);
            } catch (RuntimeException e) {
                LOG.errorf(e, "Task(id=%s, name='%s'): following up on its end failed", view.id(), view.task());
            }
        }
    }

    /**
     * The one path of every state change after acceptance: the record applies the command through its one apply
     * path ({@link TaskLife#apply}, which checks the transition table; otherwise nothing happens and this returns
     * false), then the command is journaled as it was applied, and the observers are told.
     */
    private boolean change(TaskRecord r, TaskCommand c) {
        if (!r.apply(c)) {
            return false;
        }
        Journal j = journal;
        if (j != null) {
            j.appendUnwaited(events.command(c));
        }
        observe(r, c);
        return true;
    }

    /** The observers of state changes: the task metrics, the limits and the feed of changes. */
    private void observe(TaskRecord r, TaskCommand c) {
        if (c instanceof TaskCommand.Release x) {
            feed.publish(r.id(), r.name(), TaskState.QUEUED, r.attempts(), null, x.at());
        } else if (c instanceof TaskCommand.Start x) {
            limits.started(r.name());
            feed.publish(r.id(), r.name(), TaskState.RUNNING, x.attempt(), x.executor(), x.at());
        } else if (c instanceof TaskCommand.End x) {
            limits.ended(r.name());
            if (x.next() == TaskState.RETRYING) {
                metrics.retried(r.name());
            } else if (x.next().isTerminal()) {
                Instant started = r.startedAt();
                metrics.completed(r.name(), x.next() == TaskState.SUCCESS,
                        started == null ? null : Duration.between(started, x.at()));
            }
            feed.publish(r.id(), r.name(), x.next(), x.attempt(), r.worker(), x.at());
        } else if (c instanceof TaskCommand.HandBack x) {
            limits.ended(r.name());
            metrics.redelivered(r.name());
            feed.publish(r.id(), r.name(), TaskState.QUEUED, x.attempt(), r.worker(), x.at());
        } else if (c instanceof TaskCommand.Cancel x) {
            metrics.cancelled(r.name());
            feed.publish(r.id(), r.name(), TaskState.CANCELLED, r.attempts(), null, x.at());
        }
    }
}
