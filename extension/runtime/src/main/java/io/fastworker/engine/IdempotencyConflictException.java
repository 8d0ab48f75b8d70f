package io.fastworker.engine;

/** An idempotency key reused for a different request within the window: nothing of the submission is accepted. */
public class IdempotencyConflictException extends RuntimeException {

    private final String key;

    public IdempotencyConflictException(String key, String taskId, String task) {
        super("Idempotency-Key '" + key + "' was already used for a different request (task '" + task + "', id '"
                + taskId + "') within fastworker.idempotency.window; send the same request to get that task back, "
                + "or use a new key for a new request");
        this.key = key;
    }

    public String key() {
        return key;
    }
}
