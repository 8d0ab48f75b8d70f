package io.fastworker.result;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Finished tasks, bounded two ways: at most {@code maxSize} entries (the least recently used goes first) and each
 * readable for {@code ttl} after it was stored. An expired entry is never returned, even before a sweep removes it.
 * Thread-safe.
 *
 * <p>Written here rather than taken from Caffeine because Caffeine's size bound is frequency-based (W-TinyLFU) and
 * may drop a fresh result before an older one, which is not the LRU contract we promise.
 *
 * @param <V> the cached value
 */
public final class ResultCache<V> {

    private record Entry<V>(V value, long expiresAtMillis) {
    }

    private final int maxSize;
    private final long ttlMillis;
    private final Clock clock;
    private final LinkedHashMap<String, Entry<V>> entries;

    public ResultCache(int maxSize, Duration ttl, Clock clock) {
        if (maxSize < 1) {
            throw new IllegalArgumentException("maxSize must be at least 1, got " + maxSize);
        }
        this.maxSize = maxSize;
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry<V>> eldest) {
                return size() > ResultCache.this.maxSize;
            }
        };
    }

    public synchronized void put(String key, V value) {
        entries.put(key, new Entry<>(value, clock.millis() + ttlMillis));
    }

    /** Stores a value that was first stored at {@code storedAtMillis} (e.g. before a restart): it keeps its TTL. */
    public synchronized void restore(String key, V value, long storedAtMillis) {
        if (storedAtMillis + ttlMillis > clock.millis()) {
            entries.put(key, new Entry<>(value, storedAtMillis + ttlMillis));
        }
    }

    /** The value, or null if absent or expired. Counts as a use for the LRU order. */
    public synchronized V get(String key) {
        Entry<V> e = entries.get(key);
        if (e == null) {
            return null;
        }
        if (e.expiresAtMillis() <= clock.millis()) {
            entries.remove(key);
            return null;
        }
        return e.value();
    }

    /** Forgets a key; true if it was there. */
    public synchronized boolean remove(String key) {
        return entries.remove(key) != null;
    }

    /** Drops every expired entry; returns how many. */
    public synchronized int sweep() {
        long now = clock.millis();
        int removed = 0;
        for (Iterator<Entry<V>> it = entries.values().iterator(); it.hasNext();) {
            if (it.next().expiresAtMillis() <= now) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    /** Every live (unexpired) value, in no particular order; does not touch the LRU order. */
    public synchronized void forEachLive(Consumer<V> action) {
        long now = clock.millis();
        for (Entry<V> e : entries.values()) {
            if (e.expiresAtMillis() > now) {
                action.accept(e.value());
            }
        }
    }

    public synchronized int size() {
        return entries.size();
    }
}
