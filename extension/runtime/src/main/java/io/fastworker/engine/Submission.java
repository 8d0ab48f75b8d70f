package io.fastworker.engine;

import java.util.Objects;

/**
 * One task a client asks for: its spec, and what makes repeating the request safe. With an idempotency key, the
 * same key and the same request ({@code fingerprint}) within {@code fastworker.idempotency.window} give back the
 * task first accepted; the same key with another request is refused. A client-chosen id is likewise never
 * accepted twice within the window.
 */
public record Submission(TaskSpec spec, String idempotencyKey, String fingerprint, boolean clientChosenId) {

    public Submission {
        Objects.requireNonNull(spec, "spec");
        if (idempotencyKey != null) {
            Objects.requireNonNull(fingerprint, "fingerprint");
        }
    }

    /** A submission with a generated id and no idempotency key. */
    public static Submission of(TaskSpec spec) {
        return new Submission(spec, null, null, false);
    }
}
