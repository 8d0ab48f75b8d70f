package io.fastworker.link;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.TaskEngine;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The ends of subworkers and of their leases. Guarantees: when a subworker's connection closes, it leaves, or its
 * heartbeats stop for {@code missed-heartbeats × heartbeat-interval}, every task leased to it goes back to the front
 * of its queue at once, and the names it announced are kept only for {@code fastworker.tasks.forget-announced-after}; an attempt whose result has not come by its timeout plus {@code fastworker.link.grace} ends
 * as a {@code timeout}.
 */
@ApplicationScoped
class Leases {

    private static final Logger LOG = Logger.getLogger(Leases.class);

    @Inject
    FastWorkerConfig.Link linkSettings;

    @Inject
    WorkerRegistry registry;

    @Inject
    TaskEngine engine;

    @Inject
    AnnouncedTasks announced;

    @Inject
    Clock clock;

    /** Why a subworker is gone: it said it was leaving, or it was lost ({@code why}: what was seen). */
    void left(RemoteWorker w) {
        end(w, true, "it left");
    }

    void lost(RemoteWorker w, String why) {
        end(w, false, why);
    }

    private void end(RemoteWorker w, boolean left, String why) {
        List<RemoteWorker.Lease> leases = registry.remove(w, left, why, clock.instant());
        if (leases == null) {
            return; // gone already
        }
        announced.withdraw(w.id, w.tasks);
        if (leases.isEmpty()) {
            LOG.infof("Subworker %s is gone (%s)", w.id, why);
        } else {
            LOG.warnf("Subworker %s lost (%s); re-queueing its %d running tasks", w.id, why, leases.size());
        }
        for (RemoteWorker.Lease lease : leases) {
            engine.handBack(lease.assignment(), TaskError.of(TaskError.WORKER_LOST,
                    "subworker " + w.id + " was lost while running it (" + why + ")"), linkSettings.maxDeliveries());
        }
        w.connection.close();
    }

    /**
     * Loses workers whose heartbeats stopped and ends attempts whose deadline passed; returns whether anything
     * changed.
     */
    boolean sweep() {
        long now = System.nanoTime();
        long silence = linkSettings.heartbeatInterval().toNanos() * linkSettings.missedHeartbeats();
        List<RemoteWorker> silent = new ArrayList<>();
        List<RemoteWorker.Lease> overdue = new ArrayList<>();
        synchronized (registry.lock) {
            for (RemoteWorker w : registry.joined()) {
                if (now - w.lastSeenNanos > silence) {
                    silent.add(w);
                    continue;
                }
                w.leases.values().removeIf(l -> {
                    if (now - l.deadlineNanos() > 0) {
                        overdue.add(l);
                        return true;
                    }
                    return false;
                });
            }
        }
        silent.forEach(w -> lost(w, "no heartbeat for " + TimeUnit.NANOSECONDS.toMillis(silence) + " ms"));
        for (RemoteWorker.Lease l : overdue) {
            engine.attemptEnded(l.assignment(), Outcome.failure(TaskError.of(TaskError.TIMEOUT, "no result from "
                    + "subworker " + l.assignment().executor() + " within the task timeout plus "
                    + linkSettings.grace())));
        }
        return !silent.isEmpty() || !overdue.isEmpty();
    }
}
