package io.fastworker.execution;

import io.fastworker.task.TaskContext;
import io.fastworker.telemetry.TaskMetrics;
import io.fastworker.telemetry.Tracing;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Runs one attempt of a task body on the calling thread, the same way wherever it runs (the control plane's own
 * executor or a subworker).
 *
 * <p>Guarantees: the outcome is reported exactly once, through {@code report}: when the body returns, or at the
 * attempt's timeout (type {@code timeout}, within {@link #WATCH_PERIOD_MILLIS} ms) if that comes first; the body's thread is then interrupted, and
 * {@link #run} returns only when the body has actually returned, so a slot is never reused while a body still runs.
 * Whatever the body throws becomes a failure of that attempt (type {@code task_error} with the exception class);
 * it never escapes to the calling thread. The attempt runs in its {@code fastworker.task.execute} span.
 */
@ApplicationScoped
public class AttemptRunner {

    private static final Logger LOG = Logger.getLogger(AttemptRunner.class);

    @Inject
    TaskRegistry registry;

    @Inject
    Tracing tracing;

    @Inject
    TaskMetrics metrics;

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper mapper;

    @Inject
    io.fastworker.config.FastWorkerConfig config;

    /** Largest result an attempt may return, as JSON: {@code fastworker.result.max-size}, or a peer's smaller one. */
    private volatile long maxResultBytes = -1;

    /** How often running attempts are checked against their deadlines: timeouts are this precise. */
    static final long WATCH_PERIOD_MILLIS = 10;
    /** At most one progress report per attempt passes on per this many milliseconds (the latest is kept). */
    static final long PROGRESS_INTERVAL_MILLIS = 250;

    private final AtomicInteger inFlight = new AtomicInteger();
    /** The attempts running now, watched by one thread (cheaper than a timer per attempt). */
    private final Set<Race> running = ConcurrentHashMap.newKeySet();
    /**
     * Attempts handed over ({@link #handOver}) whose body has not started yet, and whether a stop was asked for
     * each meanwhile: as many as the caller's slots, each gone when its body starts.
     */
    private final Map<String, Boolean> waiting = new ConcurrentHashMap<>();
    private final Thread watchdog;
    private volatile boolean watching = true;

    /** How long a cancelled body has to return: {@code fastworker.cancel.grace}. */
    private long graceNanos;

    AttemptRunner() {
        watchdog = DaemonThreads.named("fastworker-watchdog").newThread(this::watch);
    }

    /** The watchdog's sign of life: without it, no attempt would time out or be abandoned. */
    private final io.fastworker.health.Pulse pulse = new io.fastworker.health.Pulse("attempt watchdog");

    /** Starts watching once the settings are in (not in the constructor, which Quarkus's client proxy runs too). */
    @jakarta.annotation.PostConstruct
    void init() {
        graceNanos = config.cancel().grace().toNanos();
        pulse.of(watchdog);
        watchdog.start();
    }

    /** What is wrong with the watchdog at {@code now} (nanoTime): it died or stalled; null while it watches. */
    public String problem(long now, long stallNanos) {
        return pulse.problem(now, stallNanos);
    }

    @PreDestroy
    void stop() {
        watching = false;
        watchdog.interrupt();
    }

    /**
     * Lowers the largest result attempts may return to {@code bytes} when that is below this process's own
     * {@code fastworker.result.max-size} (a subworker keeps to its control plane's limit too).
     */
    public void keepResultsWithin(long bytes) {
        if (bytes > 0 && bytes < ownResultLimit()) {
            maxResultBytes = bytes;
        }
    }

    private long ownResultLimit() {
        return config.result().maxSize().asLongValue();
    }

    private long resultLimit() {
        long max = maxResultBytes;
        return max > 0 ? max : ownResultLimit();
    }

    /**
     * Asks attempt {@code attempt} of task {@code taskId}, if it runs here, to stop: its body sees
     * {@code TaskContext.cancelled()} and is interrupted, and is abandoned after {@code fastworker.cancel.grace}.
     * Returns whether it runs here.
     */
    public boolean stop(String taskId, int attempt) {
        if (stopRunning(taskId, attempt)) {
            return true;
        }
        // not started yet: its body starts stopped; checked again in case it started meanwhile
        boolean waits = waiting.computeIfPresent(key(taskId, attempt), (k, asked) -> true) != null;
        return stopRunning(taskId, attempt) || waits;
    }

    private boolean stopRunning(String taskId, int attempt) {
        for (Race r : running) {
            if (r.attempt.taskId().equals(taskId) && r.attempt.number() == attempt) {
                return r.stop();
            }
        }
        return false;
    }

    /**
     * Hands {@code attempt} to {@code executor} to run {@code body}, which calls {@link #run} for it: a {@link #stop}
     * asked before its body starts is kept, and the body then starts stopped. An executor that refuses it (one shut
     * down, say) leaves nothing kept, and its refusal is thrown.
     */
    public void handOver(Attempt attempt, Executor executor, Runnable body) {
        String key = key(attempt.taskId(), attempt.number());
        waiting.put(key, false);
        try {
            executor.execute(body);
        } catch (RuntimeException e) {
            waiting.remove(key);
            throw e;
        }
    }

    private static String key(String taskId, int attempt) {
        return attempt + "/" + taskId;
    }

    /** Attempts running in this process now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** One running attempt: the watchdog and the body's end race for who reports. */
    private final class Race implements TaskContext.Observer {
        final Attempt attempt;
        final String workerId;
        final Consumer<Outcome> report;
        final TaskContext.Observer progress;
        final ProgressThrottle throttle = new ProgressThrottle(PROGRESS_INTERVAL_MILLIS * 1_000_000);
        final Thread body = Thread.currentThread();
        final long started = System.nanoTime();
        final long deadline;
        /** Frees the attempt's slot, once: when the body returns, or (if early) when it is abandoned after a cancel. */
        private Runnable release;
        /** Whether the slot is freed when the body is abandoned, though it still runs. */
        private final boolean releaseEarly;
        /** When it was asked to stop (nanoTime, never 0), or 0. */
        private volatile long stopAsked;
        private boolean settled;

        Race(Attempt attempt, String workerId, Consumer<Outcome> report, TaskContext.Observer progress,
                Runnable release, boolean releaseEarly) {
            this.attempt = attempt;
            this.workerId = workerId;
            this.report = report;
            this.progress = progress;
            this.release = release;
            this.releaseEarly = releaseEarly;
            this.deadline = started + attempt.timeout().toNanos();
        }

        /** Claims the report for the timeout and interrupts the body; false if the body ended first. */
        synchronized boolean timeOut() {
            if (settled) {
                return false;
            }
            settled = true;
            throttle.close();
            body.interrupt();
            return true;
        }

        /** Claims the report for the body's end; false if the timeout already reported. */
        synchronized boolean end() {
            throttle.close();
            if (settled) {
                return false;
            }
            settled = true;
            return true;
        }

        /** Asks the body to stop (it sees {@link TaskContext#cancelled()} and is interrupted); false if it ended. */
        synchronized boolean stop() {
            if (settled) {
                return false;
            }
            if (stopAsked == 0) {
                long now = System.nanoTime();
                stopAsked = now == 0 ? 1 : now;
            }
            body.interrupt();
            return true;
        }

        @Override
        public boolean cancelled() {
            return stopAsked != 0;
        }

        /** Frees the slot, the first time only. */
        void release() {
            Runnable r;
            synchronized (this) {
                r = release;
                release = null;
            }
            if (r != null) {
                r.run();
            }
        }

        /** A report from the body: passed on now, or kept until its interval is up. */
        @Override
        public void progress(double fraction, String message) {
            pass(throttle.offer(new ProgressThrottle.Report(fraction, message), System.nanoTime()));
        }

        void pass(ProgressThrottle.Report r) {
            if (r == null) {
                return;
            }
            try {
                progress.progress(r.fraction(), r.message());
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s: passing on its progress failed", attempt.describe());
            }
        }
    }

    private void watch() {
        while (watching) {
            try {
                Thread.sleep(WATCH_PERIOD_MILLIS);
            } catch (InterruptedException e) {
                continue;
            }
            long now = System.nanoTime();
            pulse.beat();
            long grace = graceNanos;
            for (Race r : running) {
                r.pass(r.throttle.due(now));
                long asked = r.stopAsked;
                if (asked != 0 && now - asked >= grace && r.timeOut()) {
                    running.remove(r);
                    LOG.warnf("%s did not stop within fastworker.cancel.grace (%s) of its cancel; abandoned: reported "
                            + "cancelled, its body left to finish", r.attempt.describe(), config.cancel().grace());
                    try {
                        done(r, Outcome.failure(TaskError.of(TaskError.CANCELLED, "cancelled; the body did not stop "
                                + "within fastworker.cancel.grace and was abandoned")));
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "%s: reporting its cancel failed", r.attempt.describe());
                    }
                    if (r.releaseEarly) {
                        r.release();
                    }
                    continue;
                }
                if (now - r.deadline >= 0 && r.timeOut()) {
                    running.remove(r);
                    try {
                        done(r, Outcome.failure(TaskError.of(TaskError.TIMEOUT, "attempt " + r.attempt.number()
                                + " ran longer than its timeout of " + r.attempt.timeout())));
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "%s: reporting its timeout failed", r.attempt.describe());
                    }
                }
            }
        }
    }

    /**
     * Runs {@code attempt} as {@code workerId}, reporting its outcome once through {@code report} (which must not
     * block for long: it may run on the watchdog thread), and its body's progress reports, paced to at most one per
     * {@value #PROGRESS_INTERVAL_MILLIS} ms with the latest kept, through {@code progress} (on the body's or the
     * watchdog thread; one may race the outcome, so a receiver ignores reports of an ended attempt). Returns when
     * the body has returned.
     */
    public void run(Attempt attempt, String workerId, Consumer<Outcome> report, TaskContext.Observer progress) {
        run(attempt, workerId, report, progress, null, false);
    }

    /**
     * As {@link #run(Attempt, String, Consumer, TaskContext.Observer)}, and runs {@code release} once, after the
     * outcome is reported: when the body returns or, with {@code releaseEarly}, when a cancelled attempt is abandoned
     * after {@code fastworker.cancel.grace} (the body still runs: early only where that costs no thread of a bounded
     * pool, as on virtual threads).
     */
    public void run(Attempt attempt, String workerId, Consumer<Outcome> report, TaskContext.Observer progress,
            Runnable release, boolean releaseEarly) {
        Race race = new Race(attempt, workerId, report, progress, release, releaseEarly);
        inFlight.incrementAndGet();
        running.add(race);
        if (Boolean.TRUE.equals(waiting.remove(key(attempt.taskId(), attempt.number())))) {
            race.stop(); // asked before its body started
        }
        Outcome outcome;
        try (Tracing.Execution execution = tracing.startExecute(attempt.trace(), attributes(attempt), workerId)) {
            outcome = invoke(attempt, race);
            if (race.cancelled() && !outcome.ok()) {
                outcome = Outcome.failure(TaskError.of(TaskError.CANCELLED, "stopped after its cancel"));
            }
            if (outcome.ok()) {
                execution.succeeded();
            } else {
                execution.failed(outcome.error().type(), outcome.error().exception());
            }
        } finally {
            running.remove(race);
            inFlight.decrementAndGet();
        }
        boolean mine = race.end();
        Thread.interrupted(); // a timeout interrupt that arrived after the body returned must not hit the next one
        try {
            if (mine) {
                done(race, outcome);
            }
        } finally {
            race.release();
        }
    }

    private Outcome invoke(Attempt a, TaskContext.Observer progress) {
        try {
            com.fasterxml.jackson.databind.JsonNode result = registry.invoke(a.task(), a.args(), a.kwargs(),
                    new TaskContext(a.taskId(), a.task(), a.number(), a.maxAttempts(), progress));
            return ResultSize.within(mapper, Outcome.success(result), resultLimit(), "");
        } catch (AttemptFailure e) {
            return Outcome.failure(e.error());
        } catch (InterruptedException e) {
            return Outcome.failure(TaskError.of(TaskError.SHUTDOWN, "the process stopped while the attempt ran"));
        } catch (Throwable e) { // a task body must not take its executor thread down with it
            return Outcome.failure(new TaskError(TaskError.TASK_ERROR,
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage(), e.getClass().getName()));
        }
    }

    private void done(Race r, Outcome outcome) {
        metrics.attemptEnded(r.attempt.task(), outcome.ok(), System.nanoTime() - r.started);
        r.report.accept(outcome);
    }

    private static Tracing.TaskAttributes attributes(Attempt a) {
        return new Tracing.TaskAttributes(a.taskId(), a.task(), a.priority(), a.number(), a.maxAttempts());
    }
}
