package io.fastworker.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What clients saw of a cluster, and the checks a history must pass: every task acknowledged ({@code 2xx} with an
 * id) reaches a terminal state; an idempotency key gives one task; a finished task's result, once read, never
 * changes. Tasks that ran more than once (at-least-once allows it) are counted, with why.
 */
final class History {

    /** One acknowledgement: the key sent, the id answered, who answered (the URL after redirects) and when. */
    record Ack(String key, String id, String answeredBy, long atNanos) {
    }

    private final Map<String, String> idByKey = new ConcurrentHashMap<>();
    private final List<Ack> acks = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> finishedAsRead = new ConcurrentHashMap<>();
    private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Ack> ackById = new ConcurrentHashMap<>();
    private final long start = System.nanoTime();

    /** Something the test did (a kill, a pause), to place the violations in time. */
    void event(String what) {
        events.add(ms(System.nanoTime()) + " ms: " + what);
    }

    private long ms(long nanos) {
        return (nanos - start) / 1_000_000;
    }

    List<String> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    void acked(String key, String id, String answeredBy) {
        Ack ack = new Ack(key, id, answeredBy, System.nanoTime());
        acks.add(ack);
        ackById.putIfAbsent(id, ack);
        String before = idByKey.putIfAbsent(key, id);
        if (before != null && !before.equals(id)) {
            violations.add("idempotency key " + key + " gave two tasks: " + before + " and " + id);
        }
    }

    /** A task as a client read it; once finished, what it read must stay. */
    void read(JsonNode task) {
        String status = task.path("status").asText();
        if (!terminal(status)) {
            return;
        }
        String id = task.path("id").asText();
        String seen = status + " " + task.path("result") + " " + task.path("error");
        String before = finishedAsRead.putIfAbsent(id, seen);
        if (before != null && !before.equals(seen)) {
            violations.add("task " + id + " was read as '" + before + "', later as '" + seen + "'");
        }
    }

    static boolean terminal(String status) {
        return status.equals("success") || status.equals("failure") || status.equals("cancelled");
    }

    List<Ack> acks() {
        synchronized (acks) {
            return List.copyOf(acks);
        }
    }

    int keys() {
        return idByKey.size();
    }

    /** What checking the history against the tasks' final states found. */
    record Report(int acknowledged, int finished, int ranMoreThanOnce, List<String> violations, List<String> why) {
        boolean passed() {
            return violations.isEmpty();
        }
    }

    /**
     * Checks the history against each acknowledged task as {@code finalState} reads it (null: not found), after the
     * run.
     */
    Report check(Function<String, JsonNode> finalState) {
        List<String> found = new ArrayList<>();
        List<String> why = new ArrayList<>();
        int finished = 0;
        int again = 0;
        for (String id : Map.copyOf(idByKey).values()) {
            JsonNode task = finalState.apply(id);
            if (task == null) {
                Ack a = ackById.get(id);
                found.add("acknowledged task " + id + " is lost (not found; acknowledged by " + a.answeredBy()
                        + " at " + ms(a.atNanos()) + " ms)");
                continue;
            }
            read(task);
            if (!terminal(task.path("status").asText())) {
                found.add("acknowledged task " + id + " did not finish: " + task.path("status").asText());
                continue;
            }
            finished++;
            if (task.path("history").size() > 1) {
                again++;
                if (why.size() < 5) {
                    why.add(id + ": " + task.path("history"));
                }
            }
        }
        synchronized (violations) {
            found.addAll(violations);
        }
        return new Report(idByKey.size(), finished, again, found, why);
    }
}
