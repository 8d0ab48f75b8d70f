package io.fastworker.role;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Role;
import io.fastworker.dispatch.Dispatcher;
import io.fastworker.dispatch.LocalExecutor;
import io.fastworker.engine.Admission;
import io.fastworker.engine.EngineLifecycle;
import io.fastworker.engine.TaskQueries;
import io.fastworker.execution.AttemptRunner;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskRegistry;
import io.fastworker.link.LinkServer;
import io.fastworker.link.RemoteWorkers;
import io.fastworker.queue.TaskState;
import io.fastworker.replica.Membership;
import io.fastworker.schedule.Schedules;
import io.fastworker.telemetry.Activity;
import io.fastworker.telemetry.TaskMetrics;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Starts and stops the control plane's parts in order.
 *
 * <p>Start: the engine (result cache, timers), the control plane's own executor (with
 * {@code fastworker.control-plane.execute-locally}), the link for subworkers, the dispatcher, then submissions are
 * accepted. Stop (SIGTERM): submissions are refused ({@code 503}, readiness DOWN) while HTTP still serves, nothing
 * new is dispatched, running tasks get up to {@code fastworker.control-plane.drain-timeout} to finish and report
 * (results keep arriving over the link), the tasks left unfinished are counted in the log, then the link and the
 * executor close.
 *
 * <p>The drain runs when Quarkus announces its shutdown ({@link ShutdownDelayInitiatedEvent}, fired before the HTTP
 * server stops; {@code quarkus.shutdown.delay-enabled} makes Quarkus fire it), and at the latest on
 * {@link ShutdownEvent}.
 *
 * <p>A member of a cluster starts as a follower (the engine only) and starts the rest once it leads.
 */
@ApplicationScoped
class ControlPlaneLifecycle {

    private static final Logger LOG = Logger.getLogger(ControlPlaneLifecycle.class);

    @Inject
    FastWorkerConfig.ControlPlane controlPlane;

    @Inject
    FastWorkerConfig.Link linkSettings;

    @Inject
    Role roleSettings;

    @Inject
    FastWorkerConfig.Tasks tasksSettings;

    @Inject
    TaskRegistry registry;

    @Inject
    Admission admission;
    @Inject
    EngineLifecycle lifecycle;
    @Inject
    TaskQueries queries;

    @Inject
    LocalExecutor local;

    @Inject
    LinkServer link;

    @Inject
    RemoteWorkers remote;

    @Inject
    Dispatcher dispatcher;

    @Inject
    AttemptRunner runner;

    @Inject
    TaskMetrics metrics;

    @Inject
    Schedules schedules;

    @Inject
    Activity activity;

    @Inject
    Membership membership;

    private volatile boolean joined;
    private volatile boolean started;
    private volatile boolean drained;

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        if (roleSettings != Role.CONTROL_PLANE) {
            return;
        }
        List<String> tasks = registry.definitions().stream().map(TaskDefinition::name).toList();
        List<String> known = new java.util.ArrayList<>(tasks);
        known.addAll(tasksSettings.declared().orElse(List.of()));
        if (membership.clustered()) {
            membership.whenLeading(() -> {
                try {
                    serve(tasks);
                } catch (Exception e) {
                    throw new IllegalStateException("the control plane could not start serving: " + e, e);
                }
            });
            lifecycle.start(known);
            joined = true;
            return;
        }
        lifecycle.start(known);
        joined = true;
        serve(tasks);
    }

    /** Starts what serves: the executor, the link, the dispatcher, admission and schedules. */
    private void serve(List<String> tasks) throws Exception {
        boolean executes = controlPlane.executeLocally();
        if (executes) {
            local.start(dispatcher::wake);
            metrics.workerMeters(local.id(), tasks, runner::inFlight);
        }
        if (linkSettings.enabled()) {
            remote.start(dispatcher::wake);
            link.start();
        }
        dispatcher.start(executes ? local::capacity : null, remote::capacities);
        admission.acceptSubmissions();
        schedules.start();
        activity.start(queries::depth);
        started = true;
    }

    void drain(@Observes ShutdownDelayInitiatedEvent event) {
        drain();
    }

    private synchronized void drain() {
        if (!started || drained) {
            return;
        }
        drained = true;
        activity.stop();
        schedules.stop();
        admission.stopAccepting();
        dispatcher.stop();
        awaitRunning(controlPlane.drainTimeout());
        Map<TaskState, Integer> left = queries.unfinishedByState();
        if (left.isEmpty()) {
            LOG.info("Control plane stopped with no unfinished task");
        } else {
            int n = left.values().stream().mapToInt(Integer::intValue).sum();
            if (lifecycle.durable()) {
                LOG.infof("Control plane stopping with %d unfinished tasks (%s), kept in the task store for the next "
                        + "start", n, describe(left));
            } else {
                LOG.warnf("Control plane stopping with %d unfinished tasks, which are lost: %s "
                        + "(fastworker.store.mode=memory)", n, describe(left));
            }
        }
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        if (started) {
            drain();
            if (linkSettings.enabled()) {
                remote.stop();
                link.stop();
            }
            local.stop();
        }
        if (joined) {
            lifecycle.stop();
        }
    }

    private void awaitRunning(Duration drain) {
        long deadline = System.nanoTime() + drain.toNanos();
        int running = queries.unfinishedByState().getOrDefault(TaskState.RUNNING, 0);
        if (running > 0) {
            LOG.infof("Control plane draining: waiting up to %s for %d running tasks", drain, running);
        }
        while (running > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            running = queries.unfinishedByState().getOrDefault(TaskState.RUNNING, 0);
        }
    }

    private static String describe(Map<TaskState, Integer> counts) {
        StringBuilder b = new StringBuilder();
        counts.forEach((state, n) -> b.append(b.length() == 0 ? "" : ", ").append(n).append(' ')
                .append(state.wireName()));
        return b.toString();
    }
}
