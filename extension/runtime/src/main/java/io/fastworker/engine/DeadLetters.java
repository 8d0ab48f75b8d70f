package io.fastworker.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;

/**
 * The failed tasks kept as dead letters, bounded by count and by the heap their arguments and results take (about);
 * past either bound the oldest failure goes first (then by id). What is kept, and its order, depend on the letters
 * only, never on the order racing threads added them in, so replicas keep the same. Thread-safe.
 */
final class DeadLetters {

    private record Kept(DeadLetter letter, long weight) {
    }

    /** Where a letter stands in line to go: the oldest failure first, then by id. */
    private record Slot(Instant failedAt, String id) implements Comparable<Slot> {
        static Slot of(DeadLetter d) {
            Instant at = d.view().finishedAt();
            return new Slot(at == null ? Instant.MAX : at, d.view().id());
        }

        @Override
        public int compareTo(Slot o) {
            int c = failedAt.compareTo(o.failedAt);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    private final int max;
    private final long maxBytes;
    private final HashMap<String, Kept> byId = new HashMap<>();
    private final TreeMap<Slot, Kept> inLine = new TreeMap<>();
    private long bytes;

    DeadLetters(int max, long maxBytes) {
        this.max = max;
        this.maxBytes = maxBytes;
    }

    synchronized void add(DeadLetter d) {
        remove(d.view().id());
        Kept k = new Kept(d, Footprint.of(d.spec()) + Footprint.of(d.view()));
        byId.put(d.view().id(), k);
        inLine.put(Slot.of(d), k);
        bytes += k.weight();
        while (byId.size() > max || (bytes > maxBytes && byId.size() > 1)) {
            remove(inLine.firstKey().id());
        }
    }

    /** The dead letter of a task; null if there is none. */
    synchronized DeadLetter get(String id) {
        Kept k = byId.get(id);
        return k == null ? null : k.letter();
    }

    /** Takes a dead letter out; null if there is none. */
    synchronized DeadLetter remove(String id) {
        Kept k = byId.remove(id);
        if (k == null) {
            return null;
        }
        inLine.remove(Slot.of(k.letter()));
        bytes -= k.weight();
        return k.letter();
    }

    /** Drops those that failed before {@code oldest}. */
    synchronized void sweep(Instant oldest) {
        for (Slot first; !inLine.isEmpty() && (first = inLine.firstKey()).failedAt().isBefore(oldest);) {
            remove(first.id());
        }
    }

    /** Every letter, the oldest failure first (then by id). */
    synchronized List<DeadLetter> all() {
        List<DeadLetter> out = new ArrayList<>(byId.size());
        inLine.values().forEach(k -> out.add(k.letter()));
        return out;
    }

    synchronized int size() {
        return byId.size();
    }

    synchronized long bytes() {
        return bytes;
    }
}
