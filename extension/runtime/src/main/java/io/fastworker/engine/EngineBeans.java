package io.fastworker.engine;

import io.fastworker.config.FastWorkerConfig;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The engine's state and what admission holds against its bounds, each bounded by count and by bytes (a share of
 * the heap unless configured).
 */
class EngineBeans {

    @Produces
    @Singleton
    EngineState state(FastWorkerConfig config, Clock clock) {
        long heap = Runtime.getRuntime().maxMemory();
        return new EngineState(new EngineState.Bounds(config.resultCache().size(),
                config.resultCache().maxBytes().map(MemorySize::asLongValue).orElse(heap / 4),
                config.resultCache().ttl(), config.deadLetters().max(),
                config.deadLetters().maxBytes().map(MemorySize::asLongValue).orElse(heap / 8),
                config.deadLetters().retention(), config.idempotency().maxKeys(),
                config.idempotency().maxBytes().map(MemorySize::asLongValue).orElse(heap / 8)), clock);
    }

    @Produces
    @Singleton
    Holdings holdings(FastWorkerConfig config) {
        return new Holdings(config.queue().capacity(),
                config.queue().maxBytes().map(MemorySize::asLongValue).orElse(Runtime.getRuntime().maxMemory() / 4));
    }
}
