package io.fastworker.health;

import io.fastworker.engine.TaskEngine;
import io.fastworker.queue.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the task queue accepts work; depends on no remote call. */
@Readiness
@ApplicationScoped
class ReadinessCheck implements HealthCheck {

    @Inject
    TaskEngine engine;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("task-queue").status(engine.accepting());
        b.withData("unfinished", engine.unfinished());
        for (Priority p : Priority.values()) {
            b.withData("queued." + p.wireName(), engine.depth(p));
        }
        return b.build();
    }
}
