package io.fastworker.link;

import io.fastworker.engine.Assignment;
import io.vertx.core.net.NetSocket;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A joined subworker as the control plane sees it. Guarded by the {@link RemoteWorkers} lock. */
final class RemoteWorker {

    /** A dispatched attempt and the time by which its result must arrive. */
    record Lease(Assignment assignment, long deadlineNanos) {
    }

    final String id;
    final String connection;
    final NetSocket socket;
    final Set<String> tasks;
    final int concurrency;
    /** Whether it takes several tasks per frame ({@code "batch": true} at join). */
    final boolean batch;
    final Map<String, Lease> leases = new LinkedHashMap<>();
    int credits;
    long completed;
    boolean draining;
    long lastSeenNanos;
    Instant lastSeen;

    RemoteWorker(String id, String connection, NetSocket socket, List<String> tasks, int concurrency,
            boolean batch) {
        this.batch = batch;
        this.id = id;
        this.connection = connection;
        this.socket = socket;
        this.tasks = Set.copyOf(tasks);
        this.concurrency = concurrency;
        seen();
    }

    void seen() {
        lastSeenNanos = System.nanoTime();
        lastSeen = Instant.now();
    }

    boolean canTake(String task) {
        return !draining && credits > 0 && tasks.contains(task);
    }
}
