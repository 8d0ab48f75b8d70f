package io.fastworker.health;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.TaskEngine;
import io.fastworker.worker.Subworker;
import io.fastworker.queue.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Control plane: ready once the task queue accepts work. Subworker: ready while joined. No remote call. */
@Readiness
@ApplicationScoped
class ReadinessCheck implements HealthCheck {

    @Inject
    TaskEngine engine;

    @Inject
    Subworker subworker;

    @Inject
    FastWorkerConfig config;

    @Override
    public HealthCheckResponse call() {
        if ("subworker".equals(config.role())) {
            return HealthCheckResponse.named("link").status(subworker.joined())
                    .withData("workerId", String.valueOf(subworker.workerId())).build();
        }
        HealthCheckResponseBuilder b = HealthCheckResponse.named("task-queue").status(engine.accepting());
        b.withData("unfinished", engine.unfinished());
        for (Priority p : Priority.values()) {
            b.withData("queued." + p.wireName(), engine.depth(p));
        }
        return b.build();
    }
}
