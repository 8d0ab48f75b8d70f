package io.fastworker.link;

import io.fastworker.dispatch.Capacity;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The subworkers joined now, one per worker id, and the latest that are gone. Its lock also guards every joined
 * worker's slots and leases ({@link RemoteWorker}); nothing that calls out (the engine, a socket) runs under it.
 */
@ApplicationScoped
class WorkerRegistry {

    /** Departures kept for {@code GET /workers/gone}: the latest this many, for at most an hour. */
    static final int GONE_KEPT = 50;

    /** Guards the workers, their slots and leases, and the departures. */
    final Object lock = new Object();
    private final Map<String, RemoteWorker> byId = new HashMap<>();
    /** The latest departures, newest last. */
    private final ArrayDeque<RemoteWorkers.Gone> gone = new ArrayDeque<>();

    /** Adds a worker that joined; false when its id is joined on another connection. */
    boolean add(RemoteWorker w) {
        synchronized (lock) {
            if (byId.containsKey(w.id)) {
                return false;
            }
            byId.put(w.id, w);
            gone.removeIf(g -> g.last().id().equals(w.id));
            return true;
        }
    }

    /** The worker joined as {@code id}, or null; call under {@link #lock}. */
    RemoteWorker find(String id) {
        return byId.get(id);
    }

    /** Whether {@code w} is the worker joined under its id (not one lost already); call under {@link #lock}. */
    boolean current(RemoteWorker w) {
        return byId.get(w.id) == w;
    }

    /**
     * Takes a worker out, if it is the one joined under its id, and keeps its departure; returns the leases it
     * held (now its own to hand back), or null when it was gone already.
     */
    List<RemoteWorker.Lease> remove(RemoteWorker w, boolean left, String why, Instant at) {
        synchronized (lock) {
            if (byId.get(w.id) != w) {
                return null;
            }
            byId.remove(w.id);
            gone.removeIf(g -> g.last().id().equals(w.id));
            gone.addLast(new RemoteWorkers.Gone(info(w), left, why, at));
            while (gone.size() > GONE_KEPT) {
                gone.removeFirst();
            }
            List<RemoteWorker.Lease> leases = new ArrayList<>(w.leases.values());
            w.leases.clear();
            return leases;
        }
    }

    /** The joined workers; call under {@link #lock}. */
    Collection<RemoteWorker> joined() {
        return byId.values();
    }

    int size() {
        synchronized (lock) {
            return byId.size();
        }
    }

    /** The joined subworkers that take work, with their free slots. */
    List<Capacity> capacities() {
        synchronized (lock) {
            List<Capacity> out = new ArrayList<>(byId.size());
            for (RemoteWorker w : byId.values()) {
                if (!w.draining) {
                    out.add(new Capacity(w, w.tasks, w.credits));
                }
            }
            return out;
        }
    }

    List<RemoteWorkers.Info> list() {
        synchronized (lock) {
            List<RemoteWorkers.Info> out = new ArrayList<>(byId.size());
            byId.values().forEach(w -> out.add(info(w)));
            return out;
        }
    }

    /** Tasks leased to subworkers now. */
    int leased() {
        synchronized (lock) {
            return byId.values().stream().mapToInt(w -> w.leases.size()).sum();
        }
    }

    /** Departures since {@code since}, newest first. */
    List<RemoteWorkers.Gone> goneSince(Instant since) {
        synchronized (lock) {
            List<RemoteWorkers.Gone> out = new ArrayList<>();
            gone.descendingIterator().forEachRemaining(g -> {
                if (g.at().isAfter(since)) {
                    out.add(g);
                }
            });
            return out;
        }
    }

    private static RemoteWorkers.Info info(RemoteWorker w) {
        return new RemoteWorkers.Info(w.id, w.concurrency, w.leases.size(), w.completed, w.failures, w.lastSeen,
                w.tasks.stream().sorted().toList(), w.draining);
    }
}
