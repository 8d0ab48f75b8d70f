package io.fastworker.engine;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal's records of a task's life, as compact JSON: accepted, started, ended, handed back, cancelled, and
 * the whole state of one task (written by a compaction). Replaying a record twice, or one a snapshot already
 * reflects, changes nothing: every record after acceptance names the attempt it belongs to.
 */
final class TaskEvents {

    private final ObjectMapper mapper;

    TaskEvents(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    // The records of every task (accepted, started, ended) are written straight to bytes, without a tree.

    byte[] accepted(TaskRecord r, Submission sub) {
        TaskSpec spec = r.spec;
        TaskOptions t = spec.options();
        return write(g -> {
            g.writeStringField("e", "a");
            g.writeStringField("id", spec.id());
            g.writeStringField("name", spec.name());
            g.writeFieldName("args");
            g.writeTree(spec.args());
            g.writeFieldName("kwargs");
            g.writeTree(spec.kwargs());
            g.writeObjectFieldStart("o");
            g.writeStringField("p", t.priority().wireName());
            g.writeNumberField("r", t.maxRetries());
            g.writeNumberField("d", t.retryDelay().toNanos());
            g.writeNumberField("b", t.retryBackoff());
            g.writeNumberField("m", t.retryBackoffMax().toNanos());
            g.writeNumberField("t", t.timeout().toNanos());
            g.writeEndObject();
            if (spec.notBefore() != null) {
                g.writeNumberField("nb", nanos(spec.notBefore()));
                g.writeNumberField("due", nanos(spec.notBefore()));
            }
            g.writeNumberField("sub", nanos(r.submittedAt));
            if (sub.idempotencyKey() != null) {
                g.writeStringField("ik", sub.idempotencyKey());
                g.writeStringField("fp", sub.fingerprint());
            }
            if (sub.clientChosenId()) {
                g.writeBooleanField("cid", true);
            }
            if (!r.traceContext.isEmpty()) {
                g.writeObjectFieldStart("tc");
                for (Map.Entry<String, String> e : r.traceContext.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
        });
    }

    byte[] started(String id, int attempt, String worker, Instant at) {
        return write(g -> {
            g.writeStringField("e", "s");
            g.writeStringField("id", id);
            g.writeNumberField("n", attempt);
            g.writeStringField("w", worker);
            g.writeNumberField("at", nanos(at));
        });
    }

    byte[] ended(String id, int attempt, TaskState state, JsonNode result, TaskError error, Instant at, Instant due) {
        return write(g -> {
            g.writeStringField("e", "e");
            g.writeStringField("id", id);
            g.writeNumberField("n", attempt);
            g.writeStringField("st", state.wireName());
            g.writeNumberField("at", nanos(at));
            if (result != null) {
                g.writeFieldName("r");
                g.writeTree(result);
            }
            if (error != null) {
                g.writeObjectFieldStart("err");
                g.writeStringField("type", error.type());
                g.writeStringField("message", error.message());
                if (error.exception() != null) {
                    g.writeStringField("exception", error.exception());
                }
                if (error.nonRetryable() != null) {
                    g.writeBooleanField("nonRetryable", true);
                }
                g.writeEndObject();
            }
            if (due != null) {
                g.writeNumberField("due", nanos(due));
            }
        });
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private byte[] write(Fields fields) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    byte[] handedBack(String id, int attempt, TaskError reason, Instant at) {
        return bytes(mapper.createObjectNode().put("e", "h").put("id", id).put("n", attempt)
                .put("at", nanos(at)).set("err", error(reason)));
    }

    byte[] cancelled(String id, Instant at) {
        return bytes(mapper.createObjectNode().put("e", "c").put("id", id).put("at", nanos(at)));
    }

    byte[] retried(String id, Instant at) {
        return bytes(mapper.createObjectNode().put("e", "r").put("id", id).put("at", nanos(at)));
    }

    byte[] deadLetterDeleted(String id, Instant at) {
        return bytes(mapper.createObjectNode().put("e", "d").put("id", id).put("at", nanos(at)));
    }

    /** A failed task kept as a dead letter, with what it was asked to do (for a replay). */
    byte[] deadLetter(DeadLetter d) {
        ObjectNode o = mapper.createObjectNode().put("e", "t");
        spec(o, d.spec());
        trace(o, d.trace());
        view(o, d.view());
        return bytes(o);
    }

    /** An idempotency key or client-chosen id still within its window. */
    byte[] claim(String key, Claim c) {
        ObjectNode o = mapper.createObjectNode().put("e", "k").put("k", key).put("id", c.taskId()).put("name", c.task())
                .put("exp", c.expiresAtMillis());
        if (c.fingerprint() != null) {
            o.put("fp", c.fingerprint());
        }
        return bytes(o);
    }

    /** The whole state of a live task. */
    byte[] snapshot(TaskRecord r, TaskView v, Instant due) {
        ObjectNode o = mapper.createObjectNode().put("e", "t");
        spec(o, r.spec);
        trace(o, r.traceContext);
        view(o, v);
        if (due != null) {
            o.put("due", nanos(due));
        }
        return bytes(o);
    }

    /** The whole state of a finished task whose result is kept. */
    byte[] snapshot(TaskView v) {
        ObjectNode o = mapper.createObjectNode().put("e", "t").put("id", v.id()).put("name", v.task())
                .put("p", v.priority().wireName()).put("max", v.maxAttempts());
        view(o, v);
        return bytes(o);
    }

    private void view(ObjectNode o, TaskView v) {
        o.put("st", v.status().wireName()).put("n", v.attempts()).put("sub", nanos(v.submittedAt()));
        if (v.result() != null) {
            o.set("r", v.result());
        }
        if (v.error() != null) {
            o.set("err", error(v.error()));
        }
        if (v.startedAt() != null) {
            o.put("sa", nanos(v.startedAt()));
        }
        if (v.finishedAt() != null) {
            o.put("fa", nanos(v.finishedAt()));
        }
        if (v.worker() != null) {
            o.put("w", v.worker());
        }
        ArrayNode h = o.putArray("h");
        for (TaskView.Attempt a : v.history()) {
            ObjectNode x = h.addObject().put("n", a.number()).put("sa", nanos(a.startedAt()))
                    .put("fa", nanos(a.finishedAt()));
            if (a.worker() != null) {
                x.put("w", a.worker());
            }
            if (a.error() != null) {
                x.set("err", error(a.error()));
            }
        }
    }

    private void spec(ObjectNode o, TaskSpec s) {
        o.put("id", s.id()).put("name", s.name());
        o.set("args", s.args());
        o.set("kwargs", s.kwargs());
        TaskOptions t = s.options();
        o.putObject("o").put("p", t.priority().wireName()).put("r", t.maxRetries())
                .put("d", t.retryDelay().toNanos()).put("b", t.retryBackoff())
                .put("m", t.retryBackoffMax().toNanos()).put("t", t.timeout().toNanos());
        if (s.notBefore() != null) {
            o.put("nb", nanos(s.notBefore()));
        }
    }

    private void trace(ObjectNode o, Map<String, String> trace) {
        if (!trace.isEmpty()) {
            ObjectNode t = o.putObject("tc");
            trace.forEach(t::put);
        }
    }

    private ObjectNode error(TaskError e) {
        ObjectNode o = mapper.createObjectNode().put("type", e.type()).put("message", e.message());
        if (e.exception() != null) {
            o.put("exception", e.exception());
        }
        if (e.nonRetryable() != null) {
            o.put("nonRetryable", true);
        }
        return o;
    }

    private byte[] bytes(ObjectNode o) {
        try {
            return mapper.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // --- replay ----------------------------------------------------------------------------------------------

    /** A task as the journal left it. */
    static final class Restored {
        final String id;
        String name;
        Priority priority;
        int maxAttempts;
        TaskSpec spec; // null for a finished task restored from a snapshot (its arguments are not kept)
        Map<String, String> trace = Map.of();
        Instant submittedAt;
        TaskState state;
        int attempts;
        JsonNode result;
        TaskError error;
        Instant startedAt;
        Instant finishedAt;
        String worker;
        Instant due;
        final List<TaskView.Attempt> history = new ArrayList<>();
        /** Order of acceptance, to queue restored tasks FIFO within a priority. */
        long order;
        /** Whether a failed task's dead letter was deleted. */
        boolean deadLetterDeleted;

        Restored(String id) {
            this.id = id;
        }

        /** A dead letter, about to be queued again. */
        static Restored of(DeadLetter d) {
            TaskView v = d.view();
            Restored t = new Restored(v.id());
            t.spec = d.spec();
            t.name = v.task();
            t.priority = v.priority();
            t.maxAttempts = v.maxAttempts();
            t.trace = d.trace();
            t.submittedAt = v.submittedAt();
            t.state = v.status();
            t.attempts = v.attempts();
            t.error = v.error();
            t.startedAt = v.startedAt();
            t.worker = v.worker();
            t.history.addAll(v.history());
            return t;
        }

        TaskView view() {
            return new TaskView(id, name, state, priority, attempts, maxAttempts, result, error, submittedAt,
                    spec == null ? null : spec.notBefore(), startedAt, finishedAt, worker, List.copyOf(history));
        }
    }

    /**
     * Applies one record to {@code tasks} and {@code claims} (idempotency keys and client-chosen ids, which expire
     * {@code windowMillis} after acceptance); records that do not advance a task are ignored.
     */
    void apply(byte[] record, Map<String, Restored> tasks, Map<String, Claim> claims, long order, long windowMillis)
            throws IOException {
        JsonNode o = mapper.readTree(record);
        String id = o.path("id").asText();
        Restored t = tasks.get(id);
        switch (o.path("e").asText()) {
            case "k" -> claims.put(o.path("k").asText(), new Claim(id, o.path("name").asText(),
                    o.hasNonNull("fp") ? o.get("fp").asText() : null, o.path("exp").asLong()));
            case "a" -> {
                if (t != null) {
                    return;
                }
                long expires = o.path("sub").asLong() / 1_000_000 + windowMillis;
                if (o.has("ik")) {
                    claims.putIfAbsent(Claim.ofKey(o.get("ik").asText()), new Claim(id, o.path("name").asText(),
                            o.path("fp").asText(), expires));
                }
                if (o.path("cid").asBoolean(false)) {
                    claims.putIfAbsent(Claim.ofId(id), new Claim(id, o.path("name").asText(), null, expires));
                }
                t = new Restored(id);
                readSpec(o, t);
                t.submittedAt = Instant.ofEpochSecond(0, o.path("sub").asLong());
                t.state = o.has("due") ? TaskState.SCHEDULED : TaskState.QUEUED;
                t.due = instant(o, "due");
                t.order = order;
                tasks.put(id, t);
            }
            case "t" -> {
                t = new Restored(id);
                if (o.has("args")) {
                    readSpec(o, t);
                } else {
                    t.name = o.path("name").asText();
                    t.priority = Priority.parse(o.path("p").asText());
                    t.maxAttempts = o.path("max").asInt();
                }
                t.submittedAt = Instant.ofEpochSecond(0, o.path("sub").asLong());
                t.state = TaskState.parse(o.path("st").asText());
                t.attempts = o.path("n").asInt();
                t.result = o.get("r");
                t.error = error(o.get("err"));
                t.startedAt = instant(o, "sa");
                t.finishedAt = instant(o, "fa");
                t.worker = o.hasNonNull("w") ? o.get("w").asText() : null;
                t.due = instant(o, "due");
                for (JsonNode a : o.path("h")) {
                    t.history.add(new TaskView.Attempt(a.path("n").asInt(), a.hasNonNull("w") ? a.get("w").asText()
                            : null, Instant.ofEpochSecond(0, a.path("sa").asLong()),
                            Instant.ofEpochSecond(0, a.path("fa").asLong()),
                            error(a.get("err"))));
                }
                t.order = order;
                tasks.put(id, t);
            }
            case "s" -> {
                int n = o.path("n").asInt();
                // Scheduled and retrying tasks were released to the queue first; that is not recorded.
                if (t == null || !(t.state == TaskState.QUEUED || t.state == TaskState.SCHEDULED
                        || t.state == TaskState.RETRYING) || t.attempts != n - 1) {
                    return;
                }
                t.state = TaskState.RUNNING;
                t.due = null;
                t.attempts = n;
                t.startedAt = Instant.ofEpochSecond(0, o.path("at").asLong());
                t.worker = o.path("w").asText();
            }
            case "e" -> {
                int n = o.path("n").asInt();
                if (t == null || t.state != TaskState.RUNNING || t.attempts != n) {
                    return;
                }
                Instant at = Instant.ofEpochSecond(0, o.path("at").asLong());
                t.state = TaskState.parse(o.path("st").asText());
                t.result = o.get("r");
                t.error = error(o.get("err"));
                t.history.add(new TaskView.Attempt(n, t.worker, t.startedAt, at, t.error));
                t.due = instant(o, "due");
                if (t.state.isTerminal()) {
                    t.finishedAt = at;
                }
            }
            case "h" -> {
                int n = o.path("n").asInt();
                if (t == null || t.state != TaskState.RUNNING || t.attempts != n) {
                    return;
                }
                t.history.add(
                        new TaskView.Attempt(n, t.worker, t.startedAt, Instant.ofEpochSecond(0, o.path("at").asLong()),
                                error(o.get("err"))));
                t.state = TaskState.QUEUED;
            }
            case "r" -> {
                if (t == null || t.state != TaskState.FAILURE) {
                    return;
                }
                t.state = TaskState.QUEUED;
                t.finishedAt = null;
                t.due = null;
                t.deadLetterDeleted = false;
            }
            case "d" -> {
                if (t != null) {
                    t.deadLetterDeleted = true;
                }
            }
            case "c" -> {
                if (t == null || !t.state.canMoveTo(TaskState.CANCELLED)) {
                    return;
                }
                t.state = TaskState.CANCELLED;
                t.finishedAt = Instant.ofEpochSecond(0, o.path("at").asLong());
            }
            default -> throw new IOException("unknown journal record type '" + o.path("e").asText() + "'");
        }
    }

    private static void readSpec(JsonNode o, Restored t) {
        JsonNode opts = o.path("o");
        TaskOptions options = new TaskOptions(Priority.parse(opts.path("p").asText()), opts.path("r").asInt(),
                Duration.ofNanos(opts.path("d").asLong()), opts.path("b").asDouble(),
                Duration.ofNanos(opts.path("m").asLong()), Duration.ofNanos(opts.path("t").asLong()));
        t.spec = new TaskSpec(t.id, o.path("name").asText(), (ArrayNode) o.get("args"), (ObjectNode) o.get("kwargs"),
                options, instant(o, "nb"));
        t.name = t.spec.name();
        t.priority = options.priority();
        t.maxAttempts = options.maxAttempts();
        if (o.has("tc")) {
            Map<String, String> trace = new LinkedHashMap<>();
            o.get("tc").fields().forEachRemaining(f -> trace.put(f.getKey(), f.getValue().asText()));
            t.trace = Map.copyOf(trace);
        }
    }

    private static Instant instant(JsonNode o, String field) {
        return o.hasNonNull(field) ? Instant.ofEpochSecond(0, o.get(field).asLong()) : null;
    }

    /** An instant as nanoseconds since the epoch: exact, and cheaper to write and read than ISO-8601. */
    private static long nanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static TaskError error(JsonNode e) {
        if (e == null || e.isNull()) {
            return null;
        }
        return new TaskError(e.path("type").asText(), e.path("message").asText(),
                e.hasNonNull("exception") ? e.get("exception").asText() : null,
                e.path("nonRetryable").asBoolean(false) ? Boolean.TRUE : null);
    }
}
