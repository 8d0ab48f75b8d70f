package io.fastworker.queue;

import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The ready queue: one FIFO per priority, taken in strict priority order. Thread-safe; {@link #poll} blocks the
 * calling thread, so it is for executor threads only, never an event loop.
 *
 * @param <T> the queued item
 */
public final class ReadyQueue<T> {

    private final Function<T, Priority> priorityOf;
    private final Map<Priority, ArrayDeque<T>> levels = new EnumMap<>(Priority.class);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private int size;

    public ReadyQueue(Function<T, Priority> priorityOf) {
        this.priorityOf = priorityOf;
        for (Priority p : Priority.values()) {
            levels.put(p, new ArrayDeque<>());
        }
    }

    /** Appends at the back of the item's priority level. */
    public void add(T item) {
        insert(item, false);
    }

    /** Puts the item at the front of its level (a handed-back task goes before newer ones). */
    public void addFirst(T item) {
        insert(item, true);
    }

    private void insert(T item, boolean front) {
        lock.lock();
        try {
            ArrayDeque<T> level = levels.get(priorityOf.apply(item));
            if (front) {
                level.addFirst(item);
            } else {
                level.addLast(item);
            }
            size++;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the oldest item of the highest non-empty level, waiting up to the timeout; null if none came. */
    public T poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (size == 0) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            for (ArrayDeque<T> level : levels.values()) {
                T item = level.pollFirst();
                if (item != null) {
                    size--;
                    return item;
                }
            }
            throw new IllegalStateException("queue size " + size + " but every level is empty");
        } finally {
            lock.unlock();
        }
    }

    /** Removes one item wherever it stands; false if it was not queued. */
    public boolean remove(T item) {
        lock.lock();
        try {
            boolean removed = levels.get(priorityOf.apply(item)).remove(item);
            if (removed) {
                size--;
            }
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /** Items waiting at one level. */
    public int depth(Priority priority) {
        lock.lock();
        try {
            return levels.get(priority).size();
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }
}
