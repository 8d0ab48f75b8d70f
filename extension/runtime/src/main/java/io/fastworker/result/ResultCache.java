package io.fastworker.result;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Finished tasks, bounded three ways: at most {@code maxSize} entries and at most {@code maxBytes} by their weight
 * (past either, the oldest stored go first: the one stored at the earliest time, then by key), and each readable for
 * {@code ttl} after it was stored. An expired entry is never returned, even before a sweep removes it. Reading
 * changes nothing, and neither does the order in which threads stored their entries: what is kept, and the order
 * {@link #forEachLive} gives, are a function of the entries and their store times only, so two replicas that apply
 * the same changes keep the same results however differently they are read or raced. Thread-safe.
 *
 * <p>Written here rather than taken from Caffeine because Caffeine's size bound is frequency-based (W-TinyLFU):
 * it depends on reads, and may drop a fresh result before an older one.
 *
 * @param <V> the cached value
 */
public final class ResultCache<V> {

    private record Entry<V>(V value, long expiresAtMillis, long weight) {
    }

    /** Where an entry stands in line to go: sooner expiry first (all live {@code ttl}), then by key. */
    private record Slot(long expiresAtMillis, String key) implements Comparable<Slot> {
        @Override
        public int compareTo(Slot o) {
            int c = Long.compare(expiresAtMillis, o.expiresAtMillis);
            return c != 0 ? c : key.compareTo(o.key);
        }
    }

    private final int maxSize;
    private final long maxBytes;
    private final ToLongFunction<V> weigher;
    private long bytes;
    private final long ttlMillis;
    private final Clock clock;
    private final HashMap<String, Entry<V>> entries = new HashMap<>();
    private final TreeMap<Slot, Entry<V>> inLine = new TreeMap<>();

    public ResultCache(int maxSize, Duration ttl, Clock clock) {
        this(maxSize, Long.MAX_VALUE, v -> 0, ttl, clock);
    }

    /** {@code weigher}: about how many bytes a value holds, for the {@code maxBytes} bound. */
    public ResultCache(int maxSize, long maxBytes, ToLongFunction<V> weigher, Duration ttl, Clock clock) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be at least 1, got " + maxSize);
        }
        this.maxSize = maxSize;
        this.maxBytes = maxBytes;
        this.weigher = weigher;
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
    }

    public synchronized void put(String key, V value) {
        store(key, value, clock.millis() + ttlMillis);
    }

    /** Stores a value that was first stored at {@code storedAtMillis} (e.g. before a restart): it keeps its TTL. */
    public synchronized void restore(String key, V value, long storedAtMillis) {
        if (storedAtMillis + ttlMillis > clock.millis()) {
            store(key, value, storedAtMillis + ttlMillis);
        }
    }

    private void store(String key, V value, long expiresAtMillis) {
        Entry<V> e = new Entry<>(value, expiresAtMillis, weigher.applyAsLong(value));
        remove(key); // stored again (a retried task ended again): it stands in line by its new time
        entries.put(key, e);
        inLine.put(new Slot(expiresAtMillis, key), e);
        bytes += e.weight();
        while (entries.size() > maxSize || (bytes > maxBytes && entries.size() > 1)) {
            Map.Entry<Slot, Entry<V>> first = inLine.pollFirstEntry();
            entries.remove(first.getKey().key());
            bytes -= first.getValue().weight();
        }
    }

    /** The value, or null if absent or expired; changes nothing (an expired entry goes at the next sweep). */
    public synchronized V get(String key) {
        Entry<V> e = entries.get(key);
        return e == null || e.expiresAtMillis() <= clock.millis() ? null : e.value();
    }

    /** Forgets a key; true if it was there. */
    public synchronized boolean remove(String key) {
        Entry<V> e = entries.remove(key);
        if (e == null) {
            return false;
        }
        inLine.remove(new Slot(e.expiresAtMillis(), key));
        bytes -= e.weight();
        return true;
    }

    /** Drops every expired entry; returns how many. */
    public synchronized int sweep() {
        long now = clock.millis();
        int removed = 0;
        for (Map.Entry<Slot, Entry<V>> first; (first = inLine.firstEntry()) != null
                && first.getKey().expiresAtMillis() <= now; removed++) {
            remove(first.getKey().key());
        }
        return removed;
    }

    /** Every live (unexpired) value, oldest stored first (then by key). */
    public synchronized void forEachLive(Consumer<V> action) {
        long now = clock.millis();
        for (Entry<V> e : inLine.values()) {
            if (e.expiresAtMillis() > now) {
                action.accept(e.value());
            }
        }
    }

    public synchronized int size() {
        return entries.size();
    }

    /** The weight of every value held, in bytes. */
    public synchronized long bytes() {
        return bytes;
    }
}
