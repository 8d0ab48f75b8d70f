package io.fastworker.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Identity;
import io.fastworker.config.LinkAddress;
import io.fastworker.config.Role;
import io.fastworker.execution.Attempt;
import io.fastworker.execution.AttemptRunner;
import io.fastworker.execution.BodyThreads;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskRegistry;
import io.fastworker.limit.Limit;
import io.fastworker.protocol.Cancel;
import io.fastworker.protocol.Credit;
import io.fastworker.protocol.Join;
import io.fastworker.protocol.JoinReply;
import io.fastworker.protocol.LinkProtocol;
import io.fastworker.protocol.Progress;
import io.fastworker.protocol.Result;
import io.fastworker.protocol.Returned;
import io.fastworker.protocol.TaskMessage;
import io.fastworker.telemetry.TaskMetrics;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The subworker role: joins the control plane's link ({@link LinkClient}) with its tasks and concurrency, grants one
 * credit per free slot, runs what it is sent on {@code fastworker.concurrency} threads (through the same
 * {@link AttemptRunner} as the control plane) and reports each result ({@link ResultSender}). On SIGTERM it stops
 * taking work, hands back anything it has not started, lets running tasks finish within
 * {@code fastworker.subworker.shutdown-timeout}, then leaves.
 *
 * <p>Guarantees: it never runs more than its concurrency at once, and grants a slot back only when the body that
 * held it has returned; each attempt's outcome is reported once (at its timeout if the body overruns).
 */
@ApplicationScoped
public class Subworker implements LinkClient.Listener {

    private static final Logger LOG = Logger.getLogger(Subworker.class);

    @Inject
    FastWorkerConfig config;

    @Inject
    FastWorkerConfig.ControlPlane controlPlane;

    @Inject
    FastWorkerConfig.Link linkSettings;

    @Inject
    Role roleSettings;

    @Inject
    FastWorkerConfig.Subworker subworkerSettings;

    @Inject
    AttemptRunner runner;

    @Inject
    TaskRegistry registry;

    @Inject
    TaskMetrics metrics;

    @Inject
    LinkClient link;

    @Inject
    ResultSender results;

    private final AtomicInteger running = new AtomicInteger();
    private String workerId;
    private ExecutorService pool;
    /**
     * Whether the control plane applies the options this subworker announces (it says so in its join reply): then
     * a task's timeout is the one its frame carries, which may be a submission's own; else this subworker holds its
     * tasks to their own declared timeouts as well.
     */
    private volatile boolean optionsApplied;
    /** Whether the control plane takes progress reports (protocol 3 or later, as its join reply says). */
    private volatile boolean progressTaken;
    /** Whether task bodies run on virtual threads (a thread per attempt, so an abandoned one holds no slot). */
    private boolean virtualBodies;
    private volatile boolean stopping;
    private volatile boolean stopped;

    void start(@Observes StartupEvent event) {
        if (roleSettings != Role.SUBWORKER) {
            return;
        }
        workerId = Identity.workerId(config);
        List<LinkAddress> address = LinkAddress.parseAll(controlPlane.address());
        virtualBodies = BodyThreads.virtual(subworkerSettings.virtualThreads());
        pool = BodyThreads.executor(virtualBodies, config.concurrency());
        metrics.workerMeters(workerId, registry.definitions().stream().map(TaskDefinition::name).toList(),
                runner::inFlight);
        LOG.infof("Subworker %s starting: control plane %s, concurrency %d, task bodies on %s threads", workerId,
                address, config.concurrency(), virtualBodies ? "virtual" : "platform");
        link.start(workerId, address, this::join, this);
    }

    /** Whether the subworker is joined and taking work (its readiness). */
    public boolean joined() {
        return link.joined() && !stopping && !stopped;
    }

    public String workerId() {
        return workerId;
    }

    /** The join this subworker sends: its tasks, what it announces of them, its concurrency and frame limit. */
    private Join join() {
        Map<String, List<String>> parameters = new HashMap<>();
        Map<String, io.fastworker.execution.TaskOptions.Overrides> options = new HashMap<>();
        Map<String, Limit> limits = new HashMap<>();
        for (TaskDefinition d : registry.definitions()) {
            d.parameters().ifPresent(p -> parameters.put(d.name(), p));
            options.put(d.name(), d.declared());
            d.limit().ifPresent(l -> limits.put(d.name(), l));
        }
        return new Join(LinkProtocol.VERSION, workerId,
                registry.definitions().stream().map(TaskDefinition::name).toList(), parameters, options, limits,
                config.concurrency(), linkSettings.maxFrameSize().asLongValue(), true,
                linkSettings.token().orElse(null), results.holding());
    }

    @Override
    public void joined(JoinReply reply) {
        optionsApplied = reply.taskOptions();
        progressTaken = reply.protocol() >= LinkProtocol.PROGRESS_SINCE;
        if (reply.maxResultSize() > 0) {
            runner.keepResultsWithin(reply.maxResultSize());
        }
        int free = config.concurrency() - running.get();
        results.forgetFreedSlots(); // a fresh link: the control plane knows nothing of us, so grant every free slot
        if (free > 0 && !stopping) {
            link.send(LinkProtocol.CREDIT, new Credit(free).toJson());
        }
        results.freed(0); // results that came while the link was down go now (to a new leader that kept them)
    }

    @Override
    public int running() {
        return running.get();
    }

    @Override
    public void task(JsonNode message, JsonNode traceFrom) {
        Attempt attempt;
        try {
            attempt = withinDeclaredTimeout(TaskMessage.read(message, traceFrom));
        } catch (RuntimeException e) {
            refuse(message, e.getMessage());
            return;
        }
        if (stopping) {
            link.send(LinkProtocol.RETURN, new Returned(attempt.taskId(), attempt.number()).toJson());
            return;
        }
        running.incrementAndGet();
        results.hold(attempt.taskId(), attempt.number());
        Runnable body = () -> runner.run(attempt, workerId,
                outcome -> results.add(new Result(attempt.taskId(), attempt.number(), outcome, 0), false),
                (fraction, text) -> progress(attempt, fraction, text), () -> {
                    running.decrementAndGet();
                    results.freed(1);
                }, virtualBodies);
        // A cancel that comes before the body starts is kept. On virtual threads, an abandoned body (cancelled, past
        // its grace) gives its slot back at once.
        try {
            runner.handOver(attempt, pool, body);
        } catch (RejectedExecutionException draining) { // the pool shut down since the check above: as if stopping
            running.decrementAndGet();
            results.release(attempt.taskId(), attempt.number());
            link.send(LinkProtocol.RETURN, new Returned(attempt.taskId(), attempt.number()).toJson());
        }
    }

    @Override
    public void cancel(Cancel cancel) {
        if (runner.stop(cancel.taskId(), cancel.attempt())) {
            LOG.infof("Subworker %s: Task(id=%s, attempt=%d) asked to stop", workerId, cancel.taskId(),
                    cancel.attempt());
        }
    }

    /** Sends a progress report, already paced, to a control plane that takes them; dropped while the link is down. */
    private void progress(Attempt attempt, double fraction, String message) {
        if (progressTaken) {
            link.send(LinkProtocol.PROGRESS, new Progress(attempt.taskId(), attempt.number(), fraction, message)
                    .toJson());
        }
    }

    /** The attempt, held to its task's own declared timeout where the control plane does not apply it. */
    private Attempt withinDeclaredTimeout(Attempt a) {
        if (optionsApplied) {
            return a;
        }
        Duration declared = registry.find(a.task()).map(d -> d.declared().timeout()).orElse(null);
        if (declared == null || declared.compareTo(a.timeout()) >= 0) {
            return a;
        }
        return new Attempt(a.taskId(), a.task(), a.priority(), a.number(), a.maxAttempts(), a.args(), a.kwargs(),
                declared, a.trace());
    }

    /**
     * A task this subworker cannot run as sent (a field missing or out of range): that attempt fails for good with
     * the reason, its slot is granted back, and the link stays up for every other task.
     */
    private void refuse(JsonNode message, String why) {
        if (message.path("taskId").isTextual() && message.path("attempt").canConvertToInt()) {
            LOG.errorf("Subworker %s: Task(id=%s, attempt=%d) cannot run as sent (%s); failing that attempt",
                    workerId, message.get("taskId").asText(), message.get("attempt").asInt(), why);
            results.add(new Result(message.get("taskId").asText(), message.get("attempt").asInt(), Outcome.failure(
                    new TaskError(TaskError.BAD_ARGUMENTS, "the task as the control plane sent it cannot run: " + why,
                            null, true)),
                    0), true);
        } else {
            LOG.errorf("Subworker %s: a task frame names no task id and attempt (%s); ignoring it", workerId, why);
            results.freed(1); // the slot it was sent against is free again
        }
    }

    // --- shutdown ------------------------------------------------------------------------------------------

    /** Drains as soon as Quarkus announces its shutdown, while the health endpoint still answers (DOWN). */
    void drain(@Observes ShutdownDelayInitiatedEvent event) {
        leave();
    }

    void stop(@Observes ShutdownEvent event) {
        leave();
    }

    private synchronized void leave() {
        if (roleSettings != Role.SUBWORKER || stopping) {
            return;
        }
        stopping = true;
        results.withholdSlots();
        link.stopReconnecting();
        link.send(LinkProtocol.DRAIN, JsonNodeFactory.instance.objectNode());
        Duration timeout = subworkerSettings.shutdownTimeout();
        LOG.infof("Subworker %s draining: %d running, waiting up to %s", workerId, running.get(), timeout);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Subworker %s: %d tasks still running after %s; leaving anyway (the control plane will "
                        + "queue them again)", workerId, running.get(), timeout);
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        CompletableFuture<Void> flushed = new CompletableFuture<>();
        boolean linked = link.onLink(() -> {
            results.flush();
            link.send(LinkProtocol.LEAVE, JsonNodeFactory.instance.objectNode());
            flushed.complete(null);
        });
        if (linked) {
            flushed.completeOnTimeout(null, 2, TimeUnit.SECONDS).join();
        }
        link.close().completeOnTimeout(null, 2, TimeUnit.SECONDS).join();
        stopped = true;
        LOG.infof("Subworker %s left", workerId);
    }
}
