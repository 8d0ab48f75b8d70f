package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.queue.Priority;
import io.fastworker.queue.ReadyQueue;
import io.fastworker.queue.TaskState;
import io.fastworker.result.ResultCache;
import io.fastworker.task.TaskError;
import io.fastworker.telemetry.TaskMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * The control plane's task store and life cycle: accepts tasks, holds them in the ready queue or the scheduler,
 * runs retries, and keeps finished tasks in the result cache.
 *
 * <p>Guarantees: an accepted task is never dropped while the process runs; it ends in exactly one terminal state
 * ({@code success}, {@code failure} or {@code cancelled}), which is readable for the result TTL. State is held in
 * memory: a restart of the control plane loses queued tasks and results.
 */
@ApplicationScoped
public class TaskEngine {

    private static final Logger LOG = Logger.getLogger(TaskEngine.class);

    @Inject
    FastWorkerConfig config;

    @Inject
    LocalExecutor localExecutor;

    @Inject
    TaskMetrics metrics;

    private final Clock clock = Clock.systemUTC();
    private final Map<String, TaskRecord> live = new ConcurrentHashMap<>();
    private final AtomicInteger reserved = new AtomicInteger();
    private final ReadyQueue<TaskRecord> ready = new ReadyQueue<>(TaskRecord::priority);
    private ScheduledExecutorService timers;
    private ResultCache<TaskView> results;
    private volatile boolean accepting;

    void start(@Observes StartupEvent event) {
        results = new ResultCache<>(config.resultCache().size(), config.resultCache().ttl(), clock);
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fastworker-timers");
            t.setDaemon(true);
            return t;
        });
        for (Priority p : Priority.values()) {
            metrics.gauge("fastworker.queue.depth", "Tasks waiting in the ready queue", () -> ready.depth(p),
                    "priority", p.wireName());
        }
        long sweep = config.resultCache().sweepInterval().toMillis();
        timers.scheduleWithFixedDelay(results::sweep, sweep, sweep, TimeUnit.MILLISECONDS);
        if ("subworker".equals(config.role())) {
            return; // a subworker holds no queue; it runs what the control plane sends it
        }
        localExecutor.start(this);
        accepting = true;
    }

    void stop(@Observes ShutdownEvent event) {
        accepting = false;
        localExecutor.stop();
        if (timers != null) {
            timers.shutdownNow();
        }
    }

    /** Whether submissions are accepted (started and not shutting down). */
    public boolean accepting() {
        return accepting;
    }

    /**
     * Accepts all the tasks or none: on a full queue or a reused id nothing is accepted.
     *
     * @throws QueueFullException when the tasks do not all fit
     * @throws DuplicateTaskIdException when an id is known already or repeated in the list
     */
    public List<TaskView> submit(List<TaskSpec> specs) {
        return submit(specs, Map.of());
    }

    /**
     * Like {@link #submit(List)}, recording the submitter's W3C trace headers so that the tasks' dispatch and
     * execute spans join its trace.
     */
    public List<TaskView> submit(List<TaskSpec> specs, Map<String, String> traceContext) {
        if (!accepting) {
            throw new NotAcceptingException("subworker".equals(config.role())
                    ? "this process is a subworker; submit tasks to the control plane"
                    : "the control plane is not accepting tasks (starting or stopping); retry shortly");
        }
        Set<String> ids = new HashSet<>();
        for (TaskSpec s : specs) {
            if (!ids.add(s.id()) || live.containsKey(s.id()) || results.get(s.id()) != null) {
                throw new DuplicateTaskIdException(s.id());
            }
        }
        try {
            reserve(specs.size());
        } catch (QueueFullException e) {
            metrics.rejected("queue_full", specs.size());
            throw e;
        }
        Instant now = clock.instant();
        List<TaskRecord> accepted = new ArrayList<>(specs.size());
        for (TaskSpec s : specs) {
            boolean later = s.notBefore() != null && s.notBefore().isAfter(now);
            TaskRecord r = new TaskRecord(s, now, later ? TaskState.SCHEDULED : TaskState.QUEUED, traceContext);
            if (live.putIfAbsent(s.id(), r) != null) {
                // Lost a race with a concurrent submission of the same id: undo this whole call.
                accepted.forEach(a -> live.remove(a.id()));
                reserved.addAndGet(-specs.size());
                throw new DuplicateTaskIdException(s.id());
            }
            accepted.add(r);
        }
        List<TaskView> views = new ArrayList<>(accepted.size());
        for (TaskRecord r : accepted) {
            views.add(r.view()); // the state at acceptance, before an executor can pick it up
            metrics.submitted(r.spec.name());
            if (r.state() == TaskState.SCHEDULED) {
                long delay = Duration.between(now, r.spec.notBefore()).toMillis();
                r.timer(timers.schedule(() -> release(r, TaskState.SCHEDULED), delay, TimeUnit.MILLISECONDS));
            } else {
                ready.add(r);
            }
        }
        return views;
    }

    private void reserve(int n) {
        int capacity = config.queue().capacity();
        while (true) {
            int current = reserved.get();
            if (current + n > capacity) {
                throw new QueueFullException(capacity, n);
            }
            if (reserved.compareAndSet(current, current + n)) {
                return;
            }
        }
    }

    /** Moves a waiting task (scheduled or retrying) into the ready queue. */
    private void release(TaskRecord r, TaskState from) {
        if (r.moveTo(from, TaskState.QUEUED)) {
            ready.add(r);
        }
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
        if (!r.cancel(clock.instant())) {
            return CancelOutcome.NOT_CANCELLABLE;
        }
        ready.remove(r);
        LOG.infof("%s cancelled", r.describe());
        finish(r);
        return CancelOutcome.CANCELLED;
    }

    /** Recent tasks, newest submission first, live and finished, filtered by status and task name. */
    public List<TaskView> recent(TaskState status, String task, int limit) {
        Predicate<TaskView> match = v -> (status == null || v.status() == status)
                && (task == null || v.task().equals(task));
        List<TaskView> out = new ArrayList<>();
        for (TaskRecord r : live.values()) {
            TaskView v = r.view();
            if (match.test(v)) {
                out.add(v);
            }
        }
        out.addAll(results.newest(match, limit));
        out.sort(Comparator.comparing(TaskView::submittedAt).reversed());
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    public int depth(Priority priority) {
        return ready.depth(priority);
    }

    /** Unfinished tasks held (queued, scheduled, retrying, running). */
    public int unfinished() {
        return reserved.get();
    }

    // --- called by executors -------------------------------------------------------------------------------

    /**
     * Takes the highest-priority ready task and starts an attempt on the executor {@code choose} picks for it.
     *
     * @param choose picks (and reserves) an executor for the task, or returns null when none can run it now; the
     *        task then goes back to the front of its queue
     * @return the started attempt, or null if no task came within the timeout, none fitted, or it was cancelled
     */
    public Assignment assignNext(long timeout, TimeUnit unit, Function<TaskSpec, String> choose,
            Consumer<String> unreserve) throws InterruptedException {
        TaskRecord r = ready.poll(timeout, unit);
        if (r == null) {
            return null;
        }
        String executor = choose.apply(r.spec);
        if (executor == null) {
            ready.addFirst(r);
            return null;
        }
        int attempt = r.start(executor, clock.instant());
        if (attempt == 0) {
            unreserve.accept(executor);
            return null;
        }
        metrics.dispatched(r.spec.name(), executor.equals(localExecutor.workerId()) ? "local" : "subworker");
        return new Assignment(r, attempt, executor);
    }

    ScheduledExecutorService timers() {
        return timers;
    }

    /** Records the outcome of one attempt: success, a retry after backoff, or the final failure. */
    public void attemptEnded(Assignment a, JsonNode result, TaskError error) {
        TaskRecord r = a.record;
        int attempt = a.attempt();
        Instant now = clock.instant();
        if (error == null) {
            if (r.endAttempt(attempt, TaskState.SUCCESS, result, null, now)) {
                LOG.debugf("%s succeeded on %s", a.describe(), a.executor());
                finish(r);
            }
            return;
        }
        boolean retry = error.retryable() && attempt < r.spec.options().maxAttempts();
        if (!r.endAttempt(attempt, retry ? TaskState.RETRYING : TaskState.FAILURE, null, error, now)) {
            return;
        }
        if (retry) {
            metrics.retried(r.spec.name());
            Duration backoff = r.spec.options().backoffBefore(attempt);
            LOG.warnf("%s failed on %s (%s: %s); retrying in %d ms", a.describe(), a.executor(), error.type(),
                    error.message(), backoff.toMillis());
            r.timer(timers.schedule(() -> release(r, TaskState.RETRYING), backoff.toMillis(), TimeUnit.MILLISECONDS));
        } else {
            LOG.errorf("%s failed on %s (%s: %s)", a.describe(), a.executor(), error.type(), error.message());
            finish(r);
        }
    }

    /**
     * Puts a running attempt back at the front of its priority queue, because its executor was lost or returned
     * it unstarted. After {@code maxDeliveries} attempts a lost task fails instead, with the reason as its error.
     */
    public void handBack(Assignment a, TaskError reason, int maxDeliveries) {
        TaskRecord r = a.record;
        if (a.attempt() >= maxDeliveries && TaskError.WORKER_LOST.equals(reason.type())) {
            if (r.endAttempt(a.attempt(), TaskState.FAILURE, null, reason, clock.instant())) {
                LOG.errorf("%s lost with %s after %d deliveries; failing it", a.describe(), a.executor(),
                        a.attempt());
                finish(r);
            }
            return;
        }
        if (r.handBack(a.attempt(), reason, clock.instant())) {
            metrics.redelivered(r.spec.name());
            LOG.warnf("%s handed back by %s (%s); queued again", a.describe(), a.executor(), reason.type());
            ready.addFirst(r);
        }
    }

    private void finish(TaskRecord r) {
        TaskView view = r.view();
        if (view.status() == TaskState.CANCELLED) {
            metrics.cancelled(view.task());
        } else {
            Duration ran = view.startedAt() == null || view.finishedAt() == null ? null
                    : Duration.between(view.startedAt(), view.finishedAt());
            metrics.completed(view.task(), view.status() == TaskState.SUCCESS, ran);
        }
        results.put(r.id(), view);
        live.remove(r.id());
        reserved.decrementAndGet();
        r.done.complete(view);
    }
}
