package io.fastworker.dispatch;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.engine.Assignment;
import io.fastworker.engine.ProgressReports;
import io.fastworker.engine.TaskEngine;
import io.fastworker.execution.AttemptRunner;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The control plane's own executor: {@code fastworker.concurrency} dedicated threads (never an event loop) that
 * run the attempts the dispatcher hands it, through the same {@link AttemptRunner} as a subworker.
 *
 * <p>Guarantees: it never runs more than its concurrency at once; a timed-out attempt is reported at its timeout
 * and its slot stays taken until the body returns; nothing a task body does stops one of its threads.
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

    private final LinkedBlockingQueue<Assignment> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
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

    /** Starts the threads; {@code slotFreed} is told each time a slot becomes free. */
    public void start(Runnable slotFreed) {
        this.slotFreed = slotFreed;
        this.workerId = Identity.workerId(config);
        this.tasks = registry.definitions().stream().map(TaskDefinition::name).collect(Collectors.toSet());
        running = true;
        for (int i = 0; i < config.concurrency(); i++) {
            Thread t = new Thread(this::loop, "fastworker-exec-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /** Interrupts running bodies (they end with {@code shutdown}) and stops the threads. */
    public void stop() {
        running = false;
        threads.forEach(Thread::interrupt);
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** What it can take now; null when it is not running. */
    public Capacity capacity() {
        return running ? new Capacity(this, tasks, Math.max(0, config.concurrency() - busy.get())) : null;
    }

    /** Whether every executor thread is alive (readiness). */
    public boolean alive() {
        return running && threads.stream().allMatch(Thread::isAlive);
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
        inbox.addAll(attempts);
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

    private void loop() {
        while (running) {
            Assignment a;
            try {
                a = inbox.take();
            } catch (InterruptedException e) {
                continue; // stopping
            }
            try {
                runner.run(a.toAttempt(), workerId, outcome -> {
                    if (!outcome.ok()) {
                        failures.incrementAndGet();
                    }
                    engine.attemptEnded(a, outcome);
                }, (fraction, message) -> progress.report(a, fraction, message));
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                LOG.errorf(e, "%s could not be run", a.describe());
                engine.attemptEnded(a, Outcome.failure(new TaskError(TaskError.TASK_ERROR,
                        "the control plane could not run the attempt", e.getClass().getName())));
            } finally {
                busy.decrementAndGet();
                completed.incrementAndGet();
                slotFreed.run();
            }
        }
    }
}
