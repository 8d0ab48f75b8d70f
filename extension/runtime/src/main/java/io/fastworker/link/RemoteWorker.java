package io.fastworker.link;

import io.fastworker.dispatch.TaskExecutor;
import io.fastworker.engine.Assignment;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A joined subworker as the control plane sees it. Its mutable state is guarded by the {@link WorkerRegistry} lock. */
final class RemoteWorker implements TaskExecutor {

    /** A dispatched attempt and the time by which its result must arrive. */
    record Lease(Assignment assignment, long deadlineNanos) {
    }

    private final Delivery delivery;
    final String id;
    final LinkConnection connection;
    final Set<String> tasks;
    final int concurrency;
    /** The link protocol version it joined with. */
    final int protocol;
    /** Whether it takes several tasks per frame ({@code "batch": true} at join). */
    final boolean batch;
    /** Largest frame it is sent: the smaller of the control plane's limit and the one it announced. */
    final long maxFrameSize;
    final Map<String, Lease> leases = new LinkedHashMap<>();
    /** Free slots it granted that no task has taken yet. */
    int credits;
    long completed;
    /** Attempts it reported failed. */
    long failures;
    boolean draining;
    long lastSeenNanos;
    Instant lastSeen;

    RemoteWorker(Delivery delivery, String id, LinkConnection connection, int protocol, List<String> tasks,
            int concurrency, boolean batch, long maxFrameSize, Instant joinedAt) {
        this.delivery = delivery;
        this.protocol = protocol;
        this.batch = batch;
        this.maxFrameSize = maxFrameSize;
        this.id = id;
        this.connection = connection;
        this.tasks = Set.copyOf(tasks);
        this.concurrency = concurrency;
        seen(joinedAt);
    }

    /** It sent something at {@code at}: it is alive. */
    void seen(Instant at) {
        lastSeenNanos = System.nanoTime();
        lastSeen = at;
    }

    /** Slots it granted beyond what it could have free, over this connection's life. */
    long overGranted;

    /**
     * Adds granted slots, never beyond what it can have free (its concurrency less what it holds); returns whether
     * it granted more than that, counted in {@link #overGranted}.
     */
    boolean grant(int n) {
        if (n <= 0) {
            return false;
        }
        long room = Math.max(0, concurrency - leases.size());
        long wanted = (long) credits + n;
        credits = (int) Math.min(wanted, room);
        if (wanted > room) {
            overGranted += wanted - room;
            return true;
        }
        return false;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String kind() {
        return "subworker";
    }

    @Override
    public void deliver(List<Assignment> attempts) {
        delivery.deliver(this, attempts);
    }
}
