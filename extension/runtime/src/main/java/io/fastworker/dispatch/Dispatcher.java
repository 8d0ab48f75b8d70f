package io.fastworker.dispatch;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.Assignment;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskQueries;
import io.fastworker.execution.DaemonThreads;
import io.fastworker.execution.TaskError;
import io.fastworker.limit.Limits;
import io.fastworker.telemetry.TaskMetrics;
import io.fastworker.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Hands ready tasks to executors. One thread owns the head of the queue: it looks at every executor's free slots
 * and starts the tasks they can take, in priority order.
 *
 * <p>Guarantees: a task goes only to an executor that offers its name and has a free slot, so no executor holds
 * more than it can run; among the tasks some executor can run now, priority order is strict (FIFO within a
 * level); a task no connected executor offers waits in its queue and holds back no task behind it. A subworker
 * takes a task before the control plane does; among subworkers, the one with the most free slots. The control
 * plane runs only the tasks that no connected subworker offers (and only with
 * {@code fastworker.control-plane.execute-locally}).
 */
@ApplicationScoped
public class Dispatcher {

    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    /** Most attempts started in one pass before they are handed over. */
    private static final int MAX_PER_PASS = 4096;
    /** Longest sleep without a wake-up: a safety net, not the way work is found. */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    @Inject
    TaskEngine engine;
    @Inject
    TaskQueries queries;

    @Inject
    Tracing tracing;

    @Inject
    TaskMetrics metrics;

    @Inject
    FastWorkerConfig.Tasks tasksSettings;

    @Inject
    Limits limits;

    /** Task names queued with no connected executor that runs them, since when (nanoTime). */
    private final Map<String, Long> unplacedSince = new HashMap<>();
    private final Set<String> warnedUnplaced = new HashSet<>();
    private long lastUnplacedCheck;

    private final AtomicBoolean wakeup = new AtomicBoolean();
    private final io.fastworker.health.Pulse pulse = new io.fastworker.health.Pulse("dispatch");
    private volatile boolean running;
    private volatile Thread thread;
    private volatile Supplier<Capacity> local = () -> null;
    private volatile Supplier<List<Capacity>> remote = List::of;

    /**
     * Starts dispatching.
     *
     * @param localExecutor the control plane's own capacity, or null when it runs no task itself
     * @param subworkers the joined subworkers that take work (not draining)
     */
    public void start(Supplier<Capacity> localExecutor, Supplier<List<Capacity>> subworkers) {
        local = localExecutor == null ? () -> null : localExecutor;
        remote = subworkers;
        running = true;
        engine.onReady(this::wake);
        Thread t = DaemonThreads.named("fastworker-dispatch").newThread(this::loop);
        thread = t;
        pulse.of(t);
        t.start();
    }

    /** Stops handing out tasks; what is queued stays queued. */
    public void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * What is wrong with the dispatch thread at {@code now} (nanoTime): it died, or has not come round its loop (at
     * least ten times a second while it lives) for {@code stallNanos}; null while it dispatches, or before it starts
     * and after it stops.
     */
    public String problem(long now, long stallNanos) {
        return running ? pulse.problem(now, stallNanos) : null;
    }

    /** Whether the dispatch thread runs (readiness). */
    public boolean alive() {
        Thread t = thread;
        return running && t != null && t.isAlive();
    }

    /** Something changed: a task is ready, a slot freed, an executor came or went. */
    public void wake() {
        if (!wakeup.getAndSet(true)) {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Whether the control plane runs tasks itself now: it has an executor and at least one of its tasks is offered
     * by no connected subworker.
     */
    public boolean localActive() {
        Capacity mine = local.get();
        if (mine == null) {
            return false;
        }
        Set<String> offered = offeredBy(remote.get());
        return mine.tasks().stream().anyMatch(t -> !offered.contains(t));
    }

    /** The task names some executor takes now: the control plane's own, and those of subworkers not draining. */
    public Set<String> offered() {
        Set<String> names = offeredBy(remote.get());
        Capacity mine = local.get();
        if (mine != null) {
            names.addAll(mine.tasks());
        }
        return names;
    }

    private static Set<String> offeredBy(List<Capacity> capacities) {
        Set<String> names = new HashSet<>();
        capacities.forEach(c -> names.addAll(c.tasks()));
        return names;
    }

    private void loop() {
        while (running) {
            pulse.beat();
            wakeup.set(false);
            int started;
            try {
                started = pass();
                if (System.nanoTime() - lastUnplacedCheck > TimeUnit.SECONDS.toNanos(1)) {
                    lastUnplacedCheck = System.nanoTime();
                    warnAboutUnplacedTasks();
                }
            } catch (Throwable e) { // one bad task or executor must not stop dispatch for all
                LOG.error("Dispatch pass failed; carrying on", e);
                started = 0;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            if (started == 0 && !wakeup.get() && running) {
                LockSupport.parkNanos(this, Math.min(IDLE_NANOS, limits.nanosUntilRefill()));
            }
        }
    }

    /**
     * Logs a WARN, once per task name, when tasks of that name have waited {@code fastworker.tasks.unplaced-warning}
     * with no connected executor that runs them (a declared task whose subworkers are all gone, say).
     */
    private void warnAboutUnplacedTasks() {
        Set<String> runnable = offeredBy(remote.get());
        Capacity mine = local.get();
        if (mine != null) {
            runnable.addAll(mine.tasks());
        }
        long now = System.nanoTime();
        Map<String, Integer> queued = queries.queuedByTask();
        unplacedSince.keySet().removeIf(name -> runnable.contains(name) || !queued.containsKey(name));
        warnedUnplaced.retainAll(unplacedSince.keySet());
        long limit = tasksSettings.unplacedWarning().toNanos();
        queued.forEach((name, count) -> {
            if (runnable.contains(name)) {
                return;
            }
            long since = unplacedSince.computeIfAbsent(name, n -> now);
            if (now - since >= limit && warnedUnplaced.add(name)) {
                LOG.warnf("%d '%s' tasks have waited %d s with no connected executor that runs '%s'; they stay queued "
                        + "until a subworker that announces it joins", count, name,
                        TimeUnit.NANOSECONDS.toSeconds(now - since), name);
            }
        });
    }

    /** Starts every task the executors can take now (up to a bound) and hands them over; returns how many. */
    private int pass() {
        Slots slots = new Slots(remote.get(), local.get());
        Map<TaskExecutor, List<Assignment>> batches = new LinkedHashMap<>();
        int started = 0;
        try {
            while (started < MAX_PER_PASS) {
                Assignment a = engine.startNext(slots::canRun, slots);
                if (a == null) {
                    break;
                }
                batches.computeIfAbsent(slots.executor(a.executor()), e -> new ArrayList<>()).add(a);
                started++;
            }
        } finally {
            // Whatever was started is handed over, even after a failure; in a cluster only once the starts are
            // committed (at once alone), so that a deposed leader hands over nothing. The next pass waits for it,
            // since slots are taken when a task reaches its executor.
            if (startsCommitted()) {
                batches.forEach(this::handOver);
            }
        }
        return started;
    }

    /** Waits until the attempts started so far are committed; false if they never will be (deposed, or stopping). */
    private boolean startsCommitted() {
        try {
            engine.recorded().get();
            return true;
        } catch (ExecutionException e) {
            LOG.errorf("Attempts started were not committed (%s); handing over none of them", e.getCause());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void handOver(TaskExecutor executor, List<Assignment> batch) {
        List<Span> spans = new ArrayList<>(batch.size());
        for (Assignment a : batch) {
            Span span = tracing.startDispatch(a.submitTrace(), new Tracing.TaskAttributes(a.taskId(), a.task(),
                    a.options().priority().wireName(), a.attempt(), a.maxAttempts()), executor.id());
            if (a.schedule() != null) {
                span.setAttribute("fastworker.schedule.id", a.schedule().id());
                span.setAttribute("fastworker.schedule.tick", a.schedule().tick().toString());
            }
            a.dispatchedIn(tracing.headers(span));
            spans.add(span);
            metrics.dispatched(a.task(), executor.kind());
        }
        try {
            executor.deliver(batch);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Handing %d tasks to %s failed; queueing them again", batch.size(), executor.id());
            for (Assignment a : batch) {
                engine.handBack(a, TaskError.of(TaskError.RETURNED, "could not be handed to " + executor.id()),
                        Integer.MAX_VALUE);
            }
        } finally {
            spans.forEach(Span::end);
        }
    }

    /** The free slots of one pass, taken as tasks are placed. */
    private static final class Slots implements TaskEngine.Placement {
        private final List<Capacity> remotes;
        private final int[] free;
        private final Capacity local;
        private int localFree;
        private final Set<String> offeredRemotely;
        private final Map<String, TaskExecutor> byId = new HashMap<>();

        Slots(List<Capacity> remotes, Capacity local) {
            this.remotes = remotes;
            this.free = new int[remotes.size()];
            for (int i = 0; i < free.length; i++) {
                free[i] = remotes.get(i).free();
                byId.put(remotes.get(i).executor().id(), remotes.get(i).executor());
            }
            this.local = local;
            this.localFree = local == null ? 0 : local.free();
            if (local != null) {
                byId.put(local.executor().id(), local.executor());
            }
            this.offeredRemotely = offeredBy(remotes);
        }

        /** The subworker with the most free slots that offers the task, or -1. */
        private int bestRemote(String task) {
            int best = -1;
            for (int i = 0; i < free.length; i++) {
                if (free[i] > 0 && (best < 0 || free[i] > free[best]) && remotes.get(i).tasks().contains(task)) {
                    best = i;
                }
            }
            return best;
        }

        private boolean localTakes(String task) {
            return localFree > 0 && local.tasks().contains(task) && !offeredRemotely.contains(task);
        }

        boolean canRun(String task) {
            return bestRemote(task) >= 0 || localTakes(task);
        }

        @Override
        public String place(String task) {
            int i = bestRemote(task);
            if (i >= 0) {
                free[i]--;
                return remotes.get(i).executor().id();
            }
            localFree--;
            return local.executor().id();
        }

        @Override
        public void undo(String executor) {
            if (local != null && local.executor().id().equals(executor)) {
                localFree++;
                return;
            }
            for (int i = 0; i < free.length; i++) {
                if (remotes.get(i).executor().id().equals(executor)) {
                    free[i]++;
                }
            }
        }

        TaskExecutor executor(String id) {
            return byId.get(id);
        }
    }
}
