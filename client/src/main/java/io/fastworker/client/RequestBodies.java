package io.fastworker.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A {@link TaskRequest} as the JSON submission {@code POST /tasks} takes. */
final class RequestBodies {

    private RequestBodies() {
    }

    static ObjectNode of(TaskRequest r) {
        ObjectNode b = Transport.JSON.createObjectNode();
        b.put("task", r.task());
        try {
            b.set("args", Transport.JSON.valueToTree(r.args()));
            if (!r.kwargs().isEmpty()) {
                b.set("kwargs", Transport.JSON.valueToTree(r.kwargs()));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("arguments of task '" + r.task() + "' are not JSON-serialisable: "
                    + e.getMessage(), e);
        }
        if (r.priority() != null) {
            b.put("priority", r.priority().wireName());
        }
        if (r.countdown() != null) {
            b.put("countdown", r.countdown().toString());
        }
        if (r.eta() != null) {
            b.put("eta", r.eta().toString());
        }
        if (r.maxRetries() != null) {
            b.put("maxRetries", r.maxRetries());
        }
        if (r.retryDelay() != null) {
            b.put("retryDelay", r.retryDelay().toString());
        }
        if (r.retryBackoff() != null) {
            b.put("retryBackoff", r.retryBackoff());
        }
        if (r.retryBackoffMax() != null) {
            b.put("retryBackoffMax", r.retryBackoffMax().toString());
        }
        if (r.timeout() != null) {
            b.put("timeout", r.timeout().toString());
        }
        if (r.id() != null) {
            b.put("id", r.id());
        }
        if (r.idempotencyKey() != null) {
            b.put("idempotencyKey", r.idempotencyKey());
        }
        return b;
    }
}
