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

    static QueueFullException ofClaims(int maxKeys, int requested) {
        return new QueueFullException("idempotency_keys", "fastworker.idempotency.max-keys", maxKeys, "the control "
                + "plane already holds its limit of " + maxKeys + " idempotency keys and client-chosen task ids "
                + "(fastworker.idempotency.max-keys); these " + requested + " new one(s) were refused and nothing "
                + "was accepted; keys are held for fastworker.idempotency.window, so retry later or without a key");
    }

    static QueueFullException ofClaimBytes(long maxBytes, long held, int requested) {
        return new QueueFullException("idempotency_bytes", "fastworker.idempotency.max-bytes", maxBytes, "the "
                + "idempotency keys and client-chosen task ids held would take more memory than "
                + "fastworker.idempotency.max-bytes (" + mib(maxBytes) + "; held now " + mib(held) + "); these "
                + requested + " new one(s) were refused and nothing was accepted; keys are held for "
                + "fastworker.idempotency.window, so retry later, with shorter keys, or without a key");
    }

    /** The problem {@code type} of this refusal: {@code queue-full} or {@code idempotency-keys-full}. */
    public String code() {
        return reason.startsWith("idempotency") ? "idempotency-keys-full" : "queue-full";
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /**
     * Why, as counted in {@code fastworker.tasks.rejected{reason}}: {@code queue_full}, {@code queue_bytes},
     * {@code idempotency_keys} or {@code idempotency_bytes}.
     */
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
