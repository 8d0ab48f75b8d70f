package io.fastworker.engine;

/**
 * The unfinished tasks the control plane holds and the heap what it holds for later takes (their arguments, the steps
 * of their chains, their callbacks, the {@code then} of a group, the arguments of a schedule made through the API),
 * against {@code fastworker.queue.capacity} and {@code fastworker.queue.max-bytes}.
 */
final class Holdings {

    private final int capacity;
    private final long maxBytes;
    private int count;
    private long bytes;

    Holdings(int capacity, long maxBytes) {
        this.capacity = capacity;
        this.maxBytes = maxBytes;
    }

    /** Takes room for {@code n} tasks of {@code size} bytes in all, or refuses all of them. */
    synchronized void reserve(int n, long size) {
        if (count + n > capacity) {
            throw QueueFullException.ofCount(capacity, n);
        }
        if (n > 0 && bytes + size > maxBytes) {
            throw QueueFullException.ofBytes(maxBytes, bytes, n, size);
        }
        count += n;
        bytes += size;
    }

    /** Counts tasks already accepted (restored after a restart), whatever the bounds. */
    synchronized void add(int n, long size) {
        count += n;
        bytes += size;
    }

    /**
     * Takes room for {@code size} bytes held for later beside the unfinished tasks (a group's {@code then}, a
     * schedule's arguments), or refuses them.
     */
    synchronized void reserveBytes(long size) {
        if (size > 0 && bytes + size > maxBytes) {
            throw QueueFullException.ofBytes(maxBytes, bytes, 0, size);
        }
        bytes += size;
    }

    /** Whether more is held than the bounds allow (after a restart that restored everything it had). */
    synchronized boolean over() {
        return count > capacity || bytes > maxBytes;
    }

    synchronized long maxBytes() {
        return maxBytes;
    }

    synchronized void release(int n, long size) {
        count -= n;
        bytes -= size;
    }

    synchronized int count() {
        return count;
    }

    synchronized long bytes() {
        return bytes;
    }
}
