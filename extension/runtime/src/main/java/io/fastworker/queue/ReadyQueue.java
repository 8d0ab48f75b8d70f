package io.fastworker.queue;

import io.fastworker.task.Priority;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The ready queue: one FIFO per priority, taken in strict priority order, and within a priority by arrival. Items
 * are also grouped by a key (the task name) so that a taker can skip the items nobody can run right now without
 * moving them: an item that waits for a capable executor never holds back the items behind it.
 *
 * <p>Thread-safe. Taking never blocks; whoever takes is told about new items by its own means.
 *
 * @param <T> the queued item
 */
public final class ReadyQueue<T> {

    private record Entry<T>(T item, long sequence) {
    }

    private final Function<T, Priority> priorityOf;
    private final Function<T, String> keyOf;
    private final Map<Priority, Map<String, ArrayDeque<Entry<T>>>> levels = new EnumMap<>(Priority.class);
    private final int[] depth = new int[Priority.values().length];
    /** Arrival order at the back (counts up) and for items put back at the front (counts down). */
    private long backSequence;
    private long frontSequence;
    private int size;

    public ReadyQueue(Function<T, Priority> priorityOf, Function<T, String> keyOf) {
        this.priorityOf = priorityOf;
        this.keyOf = keyOf;
        for (Priority p : Priority.values()) {
            levels.put(p, new HashMap<>());
        }
    }

    /** Appends at the back of the item's priority level. */
    public synchronized void add(T item) {
        group(item).addLast(new Entry<>(item, backSequence++));
        counted(item, 1);
    }

    /** Puts the item before every other item of its level (a handed-back task goes before newer ones). */
    public synchronized void addFirst(T item) {
        group(item).addFirst(new Entry<>(item, --frontSequence));
        counted(item, 1);
    }

    private ArrayDeque<Entry<T>> group(T item) {
        return levels.get(priorityOf.apply(item)).computeIfAbsent(keyOf.apply(item), k -> new ArrayDeque<>());
    }

    private void counted(T item, int delta) {
        depth[priorityOf.apply(item).ordinal()] += delta;
        size += delta;
    }

    /**
     * Takes the oldest item of the highest priority among those whose key {@code runnable} accepts; null if there
     * is none. {@code runnable} is asked once per key and level at most, under this queue's lock: keep it cheap.
     */
    public synchronized T poll(Predicate<String> runnable) {
        if (size == 0) {
            return null;
        }
        for (Priority p : Priority.values()) {
            if (depth[p.ordinal()] == 0) {
                continue;
            }
            ArrayDeque<Entry<T>> best = null;
            for (Iterator<ArrayDeque<Entry<T>>> it = levels.get(p).values().iterator(); it.hasNext();) {
                ArrayDeque<Entry<T>> group = it.next();
                Entry<T> head = group.peekFirst();
                if (head == null) {
                    it.remove();
                } else if ((best == null || head.sequence() < best.peekFirst().sequence())
                        && runnable.test(keyOf.apply(head.item()))) {
                    best = group;
                }
            }
            if (best != null) {
                T item = best.pollFirst().item();
                counted(item, -1);
                return item;
            }
        }
        return null;
    }

    /** Removes one item wherever it stands; false if it was not queued. */
    public synchronized boolean remove(T item) {
        ArrayDeque<Entry<T>> group = levels.get(priorityOf.apply(item)).get(keyOf.apply(item));
        if (group == null || !group.removeIf(e -> e.item() == item)) {
            return false;
        }
        counted(item, -1);
        return true;
    }

    /** Items waiting at one level. */
    public synchronized int depth(Priority priority) {
        return depth[priority.ordinal()];
    }

    /** Items waiting under one key, at every level. */
    public synchronized int depth(String key) {
        int n = 0;
        for (Map<String, ArrayDeque<Entry<T>>> level : levels.values()) {
            ArrayDeque<Entry<T>> group = level.get(key);
            n += group == null ? 0 : group.size();
        }
        return n;
    }

    /** Items waiting under each key that has any, at every level. */
    public synchronized Map<String, Integer> depthByKey() {
        Map<String, Integer> depths = new HashMap<>();
        for (Map<String, ArrayDeque<Entry<T>>> level : levels.values()) {
            level.forEach((key, group) -> {
                if (!group.isEmpty()) {
                    depths.merge(key, group.size(), Integer::sum);
                }
            });
        }
        return depths;
    }

    public synchronized int size() {
        return size;
    }
}
