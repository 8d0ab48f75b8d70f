package io.fastworker.engine;

/**
 * An idempotency key or a client-chosen id, held for the idempotency window: the task it named and, for a key, the
 * fingerprint of the request it came with.
 */
record Claim(String taskId, String task, String fingerprint, long expiresAtMillis) {

    static String ofKey(String idempotencyKey) {
        return "k:" + idempotencyKey;
    }

    static String ofId(String taskId) {
        return "i:" + taskId;
    }
}
