package io.fastworker.limit;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.TaskRegistry;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The control plane's limits per task name, and what runs of each: the dispatcher starts an attempt only when its
 * task's limit {@linkplain #admits admits} it, so a limit holds however many executors there are.
 *
 * <p>Guarantees: at most {@code maxConcurrency} attempts of a limited task run at once, counting the ones that ran
 * when the limit was set; starts of a rate-limited task are spaced to its rate (a token bucket holding 10 ms worth
 * of starts, at least one). A task waiting on its limit stays queued and holds back no other task. A limit set
 * through the API beats {@code fastworker.limits.*}, which beats {@code @Task}.
 */
@ApplicationScoped
public class Limits {

    /** Where a limit comes from, strongest last. */
    public enum Source {
        ANNOTATION, CONFIG, API;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A task's limit in force, and how many of its attempts run now. */
    public record View(String task, Limit limit, Source source, int running) {
    }

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskRegistry registry;

    private final Map<String, int[]> running = new HashMap<>();
    private final Map<String, Map<Source, Limit>> limits = new HashMap<>();
    private final Map<String, Gate> gates = new HashMap<>();
    /** Tasks whose annotation limit a subworker announced (not this application's own). */
    private final java.util.Set<String> announcedTasks = new java.util.HashSet<>();
    /** When the earliest rate-limited task refused since the last {@link #nanosUntilRefill} may start (nanoTime). */
    private long refillAt = Long.MAX_VALUE;

    /** A limit in force: its bound and bucket. */
    private static final class Gate {
        final Limit limit;
        final Source source;
        final double perNano;
        final double capacity;
        double tokens;
        long filledAt;

        Gate(Limit limit, Source source, long now) {
            this.limit = limit;
            this.source = source;
            this.perNano = limit.rate() == null ? 0 : limit.rate().perNano();
            this.capacity = Math.max(1, perNano * 10_000_000);
            this.tokens = capacity;
            this.filledAt = now;
        }

        void refill(long now) {
            tokens = Math.min(capacity, tokens + (now - filledAt) * perNano);
            filledAt = now;
        }
    }

    /** The limits of this application's own {@code @Task}s and of {@code fastworker.limits.*} (checked at start). */
    @PostConstruct
    void load() {
        registry.definitions().forEach(d -> d.limit().ifPresent(l -> set(d.name(), Source.ANNOTATION, l)));
        config.limits().forEach((task, l) -> set(task, Source.CONFIG, new Limit(
                l.maxConcurrency().isPresent() ? l.maxConcurrency().getAsInt() : null, l.rate().map(Rate::parse)
                        .orElse(null))));
    }

    /**
     * A limit a subworker's {@code @Task} declares for a task it announces. It counts as an annotation (configured
     * and API limits beat it), except that a limit this application's own {@code @Task} sets is kept. Another
     * subworker announcing another limit for the same task replaces it; returns what it replaced, if anything.
     */
    public synchronized Limit announced(String task, Limit limit) {
        Limit own = get(task, Source.ANNOTATION);
        if (own != null && !announcedTasks.contains(task)) {
            return null;
        }
        announcedTasks.add(task);
        set(task, Source.ANNOTATION, limit);
        return own != null && !own.equals(limit) ? own : null;
    }

    /** Sets (or with null, removes) the limit {@code task} has from {@code source}. */
    public synchronized void set(String task, Source source, Limit limit) {
        Map<Source, Limit> bySource = limits.computeIfAbsent(task, t -> new java.util.EnumMap<>(Source.class));
        if (limit == null) {
            bySource.remove(source);
        } else {
            bySource.put(source, limit);
        }
        Source strongest = null;
        for (Source s : Source.values()) {
            if (bySource.containsKey(s)) {
                strongest = s;
            }
        }
        if (strongest == null) {
            limits.remove(task);
            gates.remove(task);
        } else {
            Gate current = gates.get(task);
            Limit inForce = bySource.get(strongest);
            if (current == null || !current.limit.equals(inForce) || current.source != strongest) {
                gates.put(task, new Gate(inForce, strongest, System.nanoTime()));
            }
        }
    }

    /** The limit {@code task} has from {@code source}, or null. */
    public synchronized Limit get(String task, Source source) {
        Map<Source, Limit> bySource = limits.get(task);
        return bySource == null ? null : bySource.get(source);
    }

    /** Whether an attempt of {@code task} may start now. Cheap for a task without a limit. */
    public synchronized boolean admits(String task) {
        Gate g = gates.get(task);
        if (g == null) {
            return true;
        }
        if (full(task, g)) {
            return false;
        }
        if (g.perNano > 0) {
            long now = System.nanoTime();
            g.refill(now);
            if (g.tokens < 1) {
                refillAt = Math.min(refillAt, now + (long) Math.ceil((1 - g.tokens) / g.perNano));
                return false;
            }
        }
        return true;
    }

    /** Whether {@code task} is at its limit now (for the gauge; changes nothing). */
    public synchronized boolean blocked(String task) {
        Gate g = gates.get(task);
        if (g == null) {
            return false;
        }
        if (full(task, g)) {
            return true;
        }
        return g.perNano > 0 && g.tokens + (System.nanoTime() - g.filledAt) * g.perNano < 1;
    }

    /** Whether as many attempts of {@code task} run as its limit allows at once. */
    private boolean full(String task, Gate g) {
        return g.limit.maxConcurrency() != null && running(task) >= g.limit.maxConcurrency();
    }

    private int running(String task) {
        int[] n = running.get(task);
        return n == null ? 0 : n[0];
    }

    /** An attempt of {@code task} started (limited or not). */
    public synchronized void started(String task) {
        running.computeIfAbsent(task, t -> new int[1])[0]++;
        Gate g = gates.get(task);
        if (g != null && g.perNano > 0) {
            g.refill(System.nanoTime());
            g.tokens -= 1;
        }
    }

    /** An attempt of {@code task} ended or was handed back. */
    public synchronized void ended(String task) {
        int[] n = running.get(task);
        if (n != null && --n[0] <= 0) {
            running.remove(task);
        }
    }

    /**
     * How long until a task refused for its rate since the last call may start (Long.MAX_VALUE: none was); the
     * dispatcher sleeps no longer than this.
     */
    public synchronized long nanosUntilRefill() {
        long at = refillAt;
        refillAt = Long.MAX_VALUE;
        return at == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, at - System.nanoTime());
    }

    /** The tasks with a limit in force, by name. */
    public synchronized List<View> list() {
        List<View> out = new ArrayList<>();
        new TreeMap<>(gates).forEach((task, g) -> out.add(new View(task, g.limit, g.source, running(task))));
        return out;
    }

    /** The limit in force on {@code task}, if any. */
    public synchronized java.util.Optional<View> find(String task) {
        Gate g = gates.get(task);
        if (g == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new View(task, g.limit, g.source, running(task)));
    }

    /** The limits set through the API (what the task store keeps). */
    public synchronized Map<String, Limit> fromApi() {
        Map<String, Limit> out = new TreeMap<>();
        limits.forEach((task, bySource) -> {
            Limit l = bySource.get(Source.API);
            if (l != null) {
                out.put(task, l);
            }
        });
        return out;
    }
}
