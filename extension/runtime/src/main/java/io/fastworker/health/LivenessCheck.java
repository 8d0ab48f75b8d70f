package io.fastworker.health;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Role;
import io.fastworker.dispatch.Dispatcher;
import io.fastworker.engine.EngineLifecycle;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while every thread the process needs lives and makes progress: in either role, the watchdog that times out
 * and abandons attempts; on a control plane also dispatch, the journal's writer, the timers and compaction. DOWN once
 * one died or has had work without progress for {@code fastworker.health.stall-timeout}, so that an orchestrator
 * restarts it (a restart takes up every accepted task). No remote call, nothing blocks.
 */
@Liveness
@ApplicationScoped
class LivenessCheck implements HealthCheck {

    @Inject
    Dispatcher dispatcher;

    @Inject
    io.fastworker.execution.AttemptRunner runner;

    @Inject
    EngineLifecycle lifecycle;

    @Inject
    FastWorkerConfig.Health healthSettings;

    @Inject
    Role role;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("threads");
        long now = System.nanoTime();
        long stall = healthSettings.stallTimeout().toNanos();
        List<String> problems = new ArrayList<>();
        String watchdog = runner.problem(now, stall);
        if (watchdog != null) {
            problems.add(watchdog);
        }
        if (role == Role.CONTROL_PLANE) {
            String dispatch = dispatcher.problem(now, stall);
            if (dispatch != null) {
                problems.add(dispatch);
            }
            problems.addAll(lifecycle.problems(now, stall));
        }
        b.status(problems.isEmpty());
        for (int i = 0; i < problems.size(); i++) {
            b.withData("problem." + i, problems.get(i));
        }
        return b.build();
    }
}
