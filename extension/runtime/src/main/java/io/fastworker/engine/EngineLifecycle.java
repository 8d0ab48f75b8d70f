package io.fastworker.engine;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.store.Journal;
import io.fastworker.telemetry.TaskMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Start and stop of the engine, and the health of the threads it needs. With the disk store
 * ({@code fastworker.store.mode=disk}) a start takes up what the store holds ({@link Recovery}); with
 * {@code memory}, a restart loses it. A member of a cluster joins it as a follower instead ({@link Replicated}): the
 * cluster's log is its store.
 */
@ApplicationScoped
public class EngineLifecycle {

    @Inject
    FastWorkerConfig.ResultCache resultCache;

    @Inject
    FastWorkerConfig.Store storeSettings;

    @Inject
    EngineState state;

    @Inject
    Holdings held;

    @Inject
    TaskEngine engine;

    @Inject
    CommandLog log;

    @Inject
    Timers timers;

    @Inject
    Recovery recovery;

    @Inject
    Compaction compaction;

    @Inject
    Replicated replicated;

    @Inject
    EngineGauges gauges;

    @Inject
    TaskMetrics metrics;

    @Inject
    Clock clock;

    /** Starts the timers and takes up what the store holds; submissions are taken once admission is opened. */
    public void start(Collection<String> knownTasks) {
        engine.resolveEndListeners();
        timers.start();
        gauges.register(knownTasks);
        timers.every(resultCache.sweepInterval(),
                () -> state.sweep(clock.instant()).forEach(g -> held.release(0, Footprint.of(g.then()))));
        if (log.clustered()) {
            try {
                replicated.join();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        } else if (storeSettings.mode() == FastWorkerConfig.StoreMode.DISK) {
            try {
                recovery.recover();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            Journal journal = log.journal();
            journal.onSync(metrics.storeSyncs());
            metrics.gauge("fastworker.store.size", "Bytes the task store's files take on disk",
                    journal::sizeOnDisk);
            compaction.start();
        }
    }

    /** Frees the timers and closes the store; with the memory store, tasks still held are lost. */
    public void stop() {
        timers.stop();
        compaction.stop();
        log.close();
    }

    /** Whether unfinished tasks survive a restart (the disk store). */
    public boolean durable() {
        return log.durable();
    }

    /** Why the store refuses records, or null while it works (or with the memory store). */
    public String storeFailure() {
        return log.failure();
    }

    /**
     * What is wrong at {@code now} (nanoTime) with the threads the engine needs: the timers (due tasks, retries,
     * sweeps), the journal's writer and compaction (disk store); empty while they live and keep up.
     */
    public List<String> problems(long now, long stallNanos) {
        List<String> problems = new ArrayList<>();
        add(problems, log.clusterProblem(now, stallNanos));
        if (!timers.running()) {
            return problems; // not started yet, or stopping
        }
        add(problems, timers.problem(now, stallNanos));
        Journal j = log.journal();
        if (j != null) {
            add(problems, j.problem(now, stallNanos));
            add(problems, compaction.problem(now, stallNanos));
        }
        return problems;
    }

    private static void add(List<String> problems, String problem) {
        if (problem != null) {
            problems.add(problem);
        }
    }
}
