package io.fastworker.engine;

/** The control plane holds as many unfinished tasks as it may; nothing of the refused submission was accepted. */
public class QueueFullException extends RuntimeException {

    private final String reason;
    private final String limit;
    private final long value;

    private QueueFullException(String reason, String limit, long value, String message) {
        super(message);
        this.reason = reason;
        this.limit = limit;
        this.value = value;
    }

    static QueueFullException ofCount(int capacity, int requested) {
        return new QueueFullException("queue_full", "fastworker.queue.capacity", capacity, "the control plane "
                + "already holds its limit of " + capacity + " unfinished tasks (fastworker.queue.capacity); "
                + requested + " more were refused and none of them was accepted; retry later");
    }

    static QueueFullException ofBytes(long maxBytes, long held, int requested, long size) {
        return new QueueFullException("queue_bytes", "fastworker.queue.max-bytes", maxBytes, "the arguments of the "
                + "unfinished tasks would take more memory than fastworker.queue.max-bytes (" + mib(maxBytes)
                + "; held now " + mib(held) + ", these " + requested + " task(s) about " + mib(size)
                + "); none of them was accepted; retry later, or send smaller arguments (e.g. a reference to the "
                + "data instead of the data)");
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Why, as counted in {@code fastworker.tasks.rejected{reason}}: {@code queue_full} or {@code queue_bytes}. */
    public String reason() {
        return reason;
    }

    /** The setting whose limit was reached. */
    public String limit() {
        return limit;
    }

    /** That limit's value (tasks or bytes). */
    public long value() {
        return value;
    }
}
