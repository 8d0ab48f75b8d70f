package io.fastworker.engine;

import io.fastworker.limit.Limits;
import io.fastworker.task.Priority;
import io.fastworker.telemetry.TaskMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;

/** The engine's gauges: queue depths, what is held against each bound, dead letters, tasks held by a limit. */
@ApplicationScoped
class EngineGauges {

    @Inject
    TaskMetrics metrics;

    @Inject
    EngineState state;

    @Inject
    Holdings held;

    @Inject
    TaskEngine engine;

    @Inject
    Limits limits;

    void register(Collection<String> knownTasks) {
        for (Priority p : Priority.values()) {
            metrics.gauge("fastworker.queue.depth", "Tasks waiting in the ready queue", () -> engine.ready().depth(p),
                    "priority", p.wireName());
        }
        metrics.controlPlaneCounters(knownTasks);
        metrics.gauge("fastworker.queue.held_bytes", "Heap the arguments of unfinished tasks take, about "
                + "(bounded by fastworker.queue.max-bytes)", held::bytes);
        metrics.gauge("fastworker.result_cache.bytes", "Heap the kept results take, about (bounded by "
                + "fastworker.result-cache.max-bytes)", () -> state.results().bytes());
        metrics.gauge("fastworker.idempotency.keys", "Idempotency keys and client-chosen task ids held (bounded by "
                + "fastworker.idempotency.max-keys)", () -> state.claims().size());
        metrics.gauge("fastworker.idempotency.bytes", "Heap the held idempotency keys and ids take, about (bounded "
                + "by fastworker.idempotency.max-bytes)", () -> state.claims().bytes());
        metrics.gauge("fastworker.dead_letters.bytes", "Heap the dead letters take, about (bounded by "
                + "fastworker.dead-letters.max-bytes)", () -> state.deadLetters().bytes());
        metrics.gauge("fastworker.tasks.limited", "Queued tasks waiting on their task's concurrency or rate limit",
                () -> {
                    int waiting = 0;
                    for (Limits.View v : limits.list()) {
                        waiting += limits.blocked(v.task()) ? engine.ready().depth(v.task()) : 0;
                    }
                    return waiting;
                });
        metrics.gauge("fastworker.tasks.dead_letters", "Failed tasks kept as dead letters",
                () -> state.deadLetters().size());
    }
}
