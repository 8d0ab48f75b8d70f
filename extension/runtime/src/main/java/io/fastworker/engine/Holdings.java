package io.fastworker.engine;

/**
 * The unfinished tasks the control plane holds and the heap their arguments take, against
 * {@code fastworker.queue.capacity} and {@code fastworker.queue.max-bytes}.
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
