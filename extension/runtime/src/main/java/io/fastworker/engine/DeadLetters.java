package io.fastworker.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The failed tasks kept as dead letters, bounded by count and by the heap their arguments and results take (about);
 * past either bound the oldest failure goes first. Thread-safe.
 */
final class DeadLetters {

    private record Kept(DeadLetter letter, long weight) {
    }

    private final int max;
    private final long maxBytes;
    private final LinkedHashMap<String, Kept> byId = new LinkedHashMap<>();
    private long bytes;

    DeadLetters(int max, long maxBytes) {
        this.max = max;
        this.maxBytes = maxBytes;
    }

    synchronized void add(DeadLetter d) {
        forget(byId.remove(d.view().id()));
        Kept k = new Kept(d, Footprint.of(d.spec()) + Footprint.of(d.view()));
        byId.put(d.view().id(), k);
        bytes += k.weight();
        for (Iterator<Kept> oldest = byId.values().iterator(); byId.size() > max
                || (bytes > maxBytes && byId.size() > 1);) {
            forget(oldest.next());
            oldest.remove();
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
        forget(k);
        return k == null ? null : k.letter();
    }

    /** Drops those that failed before {@code oldest}. */
    synchronized void sweep(Instant oldest) {
        for (Iterator<Kept> it = byId.values().iterator(); it.hasNext();) {
            Kept k = it.next();
            Instant failed = k.letter().view().finishedAt();
            if (failed != null && failed.isBefore(oldest)) {
                forget(k);
                it.remove();
            }
        }
    }

    synchronized List<DeadLetter> all() {
        List<DeadLetter> out = new ArrayList<>(byId.size());
        byId.values().forEach(k -> out.add(k.letter()));
        return out;
    }

    synchronized int size() {
        return byId.size();
    }

    synchronized long bytes() {
        return bytes;
    }

    private void forget(Kept k) {
        if (k != null) {
            bytes -= k.weight();
        }
    }
}
