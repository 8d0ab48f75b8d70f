package io.fastworker.engine;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.DaemonThreads;
import io.fastworker.health.Pulse;
import io.fastworker.store.Journal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Keeps the disk store's journal in proportion to what is held: once it has grown by at least
 * {@code fastworker.store.compact-after} and by the size of the last snapshot, it is rewritten as a snapshot of the
 * engine's state ({@link EngineState#snapshot}), on its own thread while appends go on.
 */
@ApplicationScoped
class Compaction {

    private static final Logger LOG = Logger.getLogger(Compaction.class);

    @Inject
    EngineState state;

    @Inject
    CommandLog log;

    @Inject
    FastWorkerConfig.Store storeSettings;

    @Inject
    Clock clock;

    private final Pulse pulse = new Pulse("compaction");
    private ScheduledExecutorService thread;

    void start() {
        Journal journal = log.journal();
        long compactAfter = storeSettings.compactAfter().asLongValue();
        thread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fastworker-compaction"));
        pulse.beat();
        thread.scheduleWithFixedDelay(() -> {
            pulse.beat();
            // Growth of at least the last snapshot's size keeps the cost of compacting in proportion to appends.
            if (journal.bytesSinceCompaction() >= Math.max(compactAfter, journal.snapshotBytes())
                    && journal.failure() == null) {
                compact();
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /** Rewrites the journal as the state held now. */
    void compact() {
        long t0 = System.nanoTime();
        try {
            log.compact(sink -> state.snapshot(c -> {
                pulse.beat(); // a long compaction is progress, not a stall
                sink.accept(c);
            }, clock.millis()));
            LOG.debugf("Task store compacted in %d ms: %d bytes on disk", (System.nanoTime() - t0) / 1_000_000,
                    log.journal().sizeOnDisk());
        } catch (IOException | RuntimeException e) {
            LOG.errorf("Task store compaction failed (the journal keeps growing until one succeeds): %s",
                    e.toString());
        }
    }

    /** What is wrong with the compaction thread at {@code now} (nanoTime), or null while it keeps up. */
    String problem(long now, long stallNanos) {
        return thread == null ? null : pulse.problem(now, stallNanos);
    }

    void stop() {
        if (thread != null) {
            thread.shutdownNow();
        }
    }
}
