package io.fastworker.health;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Role;
import io.fastworker.dispatch.Dispatcher;
import io.fastworker.dispatch.LocalExecutor;
import io.fastworker.engine.Admission;
import io.fastworker.engine.EngineLifecycle;
import io.fastworker.engine.TaskQueries;
import io.fastworker.replica.Membership;
import io.fastworker.task.Priority;
import io.fastworker.worker.Subworker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Control plane: ready while it accepts tasks, its task store records them and its dispatcher and executor threads
 * are alive (DOWN while starting, stopping, or if one of them died or the store failed). A member of a cluster is
 * ready only while it leads: a follower is DOWN, saying whom it follows. Subworker: ready while joined. No remote call.
 */
@Readiness
@ApplicationScoped
class ReadinessCheck implements HealthCheck {

    @Inject
    Admission admission;
    @Inject
    EngineLifecycle lifecycle;
    @Inject
    TaskQueries queries;

    @Inject
    Dispatcher dispatcher;

    @Inject
    LocalExecutor local;

    @Inject
    Subworker subworker;

    @Inject
    FastWorkerConfig.ControlPlane controlPlane;

    @Inject
    Role role;

    @Inject
    Membership membership;

    @Override
    public HealthCheckResponse call() {
        if (role == Role.SUBWORKER) {
            return HealthCheckResponse.named("link").status(subworker.joined())
                    .withData("workerId", String.valueOf(subworker.workerId())).build();
        }
        String notServing = membership.notServing();
        if (notServing != null) {
            return HealthCheckResponse.named("task-queue").down().withData("cluster", notServing)
                    .withData("member", membership.replication().memberId()).build();
        }
        boolean executorAlive = !controlPlane.executeLocally() || local.alive();
        String storeFailure = lifecycle.storeFailure();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("task-queue")
                .status(admission.accepting() && dispatcher.alive() && executorAlive && storeFailure == null);
        b.withData("accepting", admission.accepting());
        b.withData("store", storeFailure != null ? "failed: " + storeFailure
                : lifecycle.durable() ? "disk" : "memory");
        b.withData("dispatcher", dispatcher.alive() ? "running" : "stopped");
        b.withData("executor", !controlPlane.executeLocally() ? "off" : executorAlive ? "running"
                : "stopped");
        b.withData("unfinished", queries.unfinished());
        for (Priority p : Priority.values()) {
            b.withData("queued." + p.wireName(), queries.depth(p));
        }
        return b.build();
    }
}
