package io.fastworker.engine;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** How a task's callback is getting on; shown on the task. Thread-safe. */
@io.quarkus.runtime.annotations.RegisterForReflection
public final class CallbackStatus {

    /** Where a delivery stands. */
    public enum State {
        /** The task has not ended. */
        WAITING,
        /** The task ended in a state the callback does not ask for. */
        NOT_SENT,
        /** Being delivered (or waiting to retry). */
        PENDING, DELIVERED,
        /** Every attempt failed, or the receiver refused it. */
        FAILED,
        /** Not sent: too many deliveries were pending, or the control plane stopped first. */
        DROPPED;

        String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private final Callback callback;
    private State state = State.WAITING;
    private int attempts;
    private Integer lastStatusCode;
    private String lastError;

    public CallbackStatus(Callback callback) {
        this.callback = callback;
    }

    public Callback callback() {
        return callback;
    }

    public synchronized State state() {
        return state;
    }

    public synchronized void moveTo(State next) {
        state = next;
    }

    /** One delivery attempt ended: with the receiver's status code, or with an error (code null). */
    public synchronized void attempted(Integer statusCode, String error) {
        attempts++;
        lastStatusCode = statusCode;
        lastError = error;
    }

    public synchronized int attempts() {
        return attempts;
    }

    @JsonValue
    public synchronized Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("url", callback.shownUrl());
        m.put("events", new TreeSet<>(callback.events().stream().map(s -> s.wireName()).toList()));
        m.put("status", state.wireName());
        m.put("attempts", attempts);
        if (lastStatusCode != null) {
            m.put("lastStatusCode", lastStatusCode);
        }
        if (lastError != null) {
            m.put("lastError", lastError);
        }
        return m;
    }
}
