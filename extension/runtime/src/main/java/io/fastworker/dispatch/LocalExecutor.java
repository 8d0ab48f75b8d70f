package io.fastworker.dispatch;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.engine.Assignment;
import io.fastworker.engine.ProgressReports;
import io.fastworker.engine.TaskEngine;
import io.fastworker.execution.Attempt;
import io.fastworker.execution.AttemptRunner;
import io.fastworker.execution.BodyThreads;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The control plane's own executor: it runs the attempts the dispatcher hands it, through the same
 * {@link AttemptRunner} as a subworker, on a virtual thread each (Java 21+, unless
 * {@code fastworker.control-plane.virtual-threads} is off) or on {@code fastworker.concurrency} platform threads;
 * never on an event loop.
 *
 * <p>Guarantees: it never runs more than its concurrency at once; a timed-out attempt is reported at its timeout
 * and its slot stays taken until the body returns (on virtual threads, a cancelled attempt abandoned past its grace
 * gives its slot back at once); nothing a task body does stops the executor.
 */
@ApplicationScoped
public class LocalExecutor implements TaskExecutor {

    private static final Logger LOG = Logger.getLogger(LocalExecutor.class);

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskRegistry registry;

    @Inject
    AttemptRunner runner;

    @Inject
    ProgressReports progress;

    @Inject
    TaskEngine engine;

    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private ExecutorService bodies;
    private boolean virtualBodies;
    private volatile boolean running;
    private Runnable slotFreed = () -> {};
    private Set<String> tasks = Set.of();
    private String workerId;

    @jakarta.annotation.PostConstruct
    void listen() {
        engine.onStopAsked(s -> {
            if (running && s.executor().equals(workerId) && runner.stop(s.taskId(), s.attempt())) {
                LOG.infof("Task(id=%s, attempt=%d) asked to stop", s.taskId(), s.attempt());
            }
        });
    }

    /** Starts the executor; {@code slotFreed} is told each time a slot becomes free. */
    public void start(Runnable slotFreed) {
        this.slotFreed = slotFreed;
        this.workerId = Identity.workerId(config);
        this.tasks = registry.definitions().stream().map(TaskDefinition::name).collect(Collectors.toSet());
        virtualBodies = BodyThreads.virtual(config.controlPlane().virtualThreads());
        bodies = BodyThreads.executor(virtualBodies, config.concurrency());
        running = true;
        LOG.infof("Control plane runs tasks itself as %s: up to %d at once, on %s threads", workerId,
                config.concurrency(), virtualBodies ? "virtual" : "platform");
    }

    /** Interrupts running bodies (they end with {@code shutdown}) and waits up to 5 s for them to return. */
    public void stop() {
        running = false;
        ExecutorService b = bodies;
        if (b == null) {
            return;
        }
        b.shutdownNow();
        try {
            b.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What it can take now; null when it is not running. */
    public Capacity capacity() {
        return running ? new Capacity(this, tasks, Math.max(0, config.concurrency() - busy.get())) : null;
    }

    /** Whether it takes attempts (readiness). */
    public boolean alive() {
        return running && !bodies.isShutdown();
    }

    @Override
    public String id() {
        return workerId == null ? Identity.workerId(config) : workerId;
    }

    @Override
    public String kind() {
        return "local";
    }

    @Override
    public void deliver(List<Assignment> attempts) {
        busy.addAndGet(attempts.size());
        for (Assignment a : attempts) {
            Attempt attempt = a.toAttempt();
            runner.handOver(attempt, bodies, () -> run(a, attempt)); // a cancel before the body starts is kept
        }
    }

    public int concurrency() {
        return config.concurrency();
    }

    public int inFlight() {
        return busy.get();
    }

    public long completed() {
        return completed.get();
    }

    /** Attempts run here that failed. */
    public long failures() {
        return failures.get();
    }

    private void run(Assignment a, Attempt attempt) {
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                busy.decrementAndGet();
                completed.incrementAndGet();
                slotFreed.run();
            }
        };
        try {
            runner.run(attempt, workerId, outcome -> {
                if (!outcome.ok()) {
                    failures.incrementAndGet();
                }
                engine.attemptEnded(a, outcome);
            }, (fraction, message) -> progress.report(a, fraction, message), release, virtualBodies);
        } catch (RuntimeException | Error e) { // the executor's own code, not the body (the runner catches that)
            failures.incrementAndGet();
            LOG.errorf(e, "%s could not be run", a.describe());
            try {
                engine.attemptEnded(a, Outcome.failure(new TaskError(TaskError.TASK_ERROR,
                        "the control plane could not run the attempt", e.getClass().getName())));
            } finally {
                release.run(); // no slot is lost; a thread an Error ends is replaced by the executor
            }
            if (e instanceof Error error) {
                throw error;
            }
        }
    }
}
