package io.fastworker.engine;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Rate;
import io.fastworker.queue.TaskState;
import io.fastworker.store.JournalRecord;
import io.fastworker.task.Priority;
import java.io.IOException;
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

    // Every record is written straight to the journal's buffer with a generator, by the journal's thread: what a
    // record captures must not change after it is made (specs, views, errors and results are immutable).

    JournalRecord accepted(TaskRecord r, Submission sub) {
        TaskSpec spec = r.spec;
        Instant submittedAt = r.submittedAt;
        Instant due = r.dueAt(); // a countdown or ETA still ahead at acceptance; else it was queued at once
        Map<String, String> trace = r.traceContext;
        String key = sub.idempotencyKey();
        String fingerprint = sub.fingerprint();
        boolean clientChosenId = sub.clientChosenId();
        return write(g -> {
            g.writeStringField("e", "a");
            spec(g, spec);
            if (due != null) {
                g.writeNumberField("due", nanos(due));
            }
            g.writeNumberField("sub", nanos(submittedAt));
            if (key != null) {
                g.writeStringField("ik", key);
                g.writeStringField("fp", fingerprint);
            }
            if (clientChosenId) {
                g.writeBooleanField("cid", true);
            }
            trace(g, trace);
        });
    }

    /** A change of an accepted task: the command, as it was applied. */
    JournalRecord command(TaskCommand c) {
        return write(g -> {
            g.writeStringField("id", c.id());
            g.writeNumberField("at", nanos(c.at()));
            if (c instanceof TaskCommand.Release x) {
                g.writeStringField("e", "q");
                g.writeStringField("from", x.from().wireName());
            } else if (c instanceof TaskCommand.Start x) {
                g.writeStringField("e", "s");
                g.writeNumberField("n", x.attempt());
                g.writeStringField("w", x.executor());
            } else if (c instanceof TaskCommand.End x) {
                g.writeStringField("e", "e");
                g.writeNumberField("n", x.attempt());
                g.writeStringField("st", x.next().wireName());
                if (x.result() != null) {
                    g.writeFieldName("r");
                    g.writeTree(x.result());
                }
                if (x.error() != null) {
                    g.writeFieldName("err");
                    error(g, x.error());
                }
                if (x.due() != null) {
                    g.writeNumberField("due", nanos(x.due()));
                }
            } else if (c instanceof TaskCommand.HandBack x) {
                g.writeStringField("e", "h");
                g.writeNumberField("n", x.attempt());
                g.writeFieldName("err");
                error(g, x.reason());
            } else if (c instanceof TaskCommand.Cancel) {
                g.writeStringField("e", "c");
            } else if (c instanceof TaskCommand.Retry) {
                g.writeStringField("e", "r");
            } else {
                throw new IllegalArgumentException("unknown command " + c);
            }
        });
    }

    JournalRecord deadLetterDeleted(String id, Instant at) {
        return mark("d", id, at);
    }

    private JournalRecord mark(String event, String id, Instant at) {
        return write(g -> {
            g.writeStringField("e", event);
            g.writeStringField("id", id);
            g.writeNumberField("at", nanos(at));
        });
    }

    /** A failed task kept as a dead letter, with what it was asked to do (for a replay). */
    JournalRecord deadLetter(DeadLetter d) {
        return write(g -> {
            g.writeStringField("e", "t");
            spec(g, d.spec());
            trace(g, d.trace());
            view(g, d.view());
        });
    }

    /** An idempotency key or client-chosen id still within its window. */
    JournalRecord claim(String key, Claim c) {
        return write(g -> {
            g.writeStringField("e", "k");
            g.writeStringField("k", key);
            g.writeStringField("id", c.taskId());
            g.writeStringField("name", c.task());
            g.writeNumberField("exp", c.expiresAtMillis());
            if (c.fingerprint() != null) {
                g.writeStringField("fp", c.fingerprint());
            }
        });
    }

    /** The limit of a task set through the API; null: removed. */
    JournalRecord limit(String task, Limit limit) {
        return write(g -> {
            g.writeStringField("e", "l");
            g.writeStringField("name", task);
            if (limit == null) {
                g.writeBooleanField("del", true);
                return;
            }
            if (limit.maxConcurrency() != null) {
                g.writeNumberField("mc", limit.maxConcurrency());
            }
            if (limit.rate() != null) {
                g.writeStringField("rate", limit.rate().toString());
            }
        });
    }

    /** A schedule made (or replaced) through the API; null: deleted, with its state. */
    JournalRecord scheduleDefined(String id, JsonNode definition) {
        return write(g -> {
            g.writeStringField("e", definition == null ? "SX" : "S");
            g.writeStringField("id", id);
            if (definition != null) {
                g.writeFieldName("def");
                g.writeTree(definition);
            }
        });
    }

    /** A schedule paused or resumed. */
    JournalRecord schedulePaused(String id, boolean paused) {
        return write(g -> {
            g.writeStringField("e", "SP");
            g.writeStringField("id", id);
            g.writeBooleanField("on", paused);
        });
    }

    /** A schedule submitted its task for one tick. */
    JournalRecord scheduleRan(String id, Instant tick, String taskId) {
        return write(g -> {
            g.writeStringField("e", "SF");
            g.writeStringField("id", id);
            g.writeNumberField("tick", nanos(tick));
            g.writeStringField("task", taskId);
        });
    }

    /** Everything kept of one schedule (written by a compaction). */
    java.util.List<JournalRecord> schedule(StoredSchedule s) {
        java.util.List<JournalRecord> out = new ArrayList<>(3);
        if (s.definition() != null) {
            out.add(scheduleDefined(s.id(), s.definition()));
        }
        if (s.paused()) {
            out.add(schedulePaused(s.id(), true));
        }
        if (s.lastTick() != null) {
            out.add(scheduleRan(s.id(), s.lastTick(), s.lastTaskId()));
        }
        return out;
    }

    /** The whole state of a live task. */
    JournalRecord snapshot(TaskRecord r, TaskView v, Instant due) {
        TaskSpec spec = r.spec;
        Map<String, String> trace = r.traceContext;
        int base = r.attemptBase();
        return write(g -> {
            g.writeStringField("e", "t");
            spec(g, spec);
            trace(g, trace);
            view(g, v);
            if (base > 0) {
                g.writeNumberField("base", base);
            }
            if (due != null) {
                g.writeNumberField("due", nanos(due));
            }
        });
    }

    /** The whole state of a finished task whose result is kept. */
    JournalRecord snapshot(TaskView v) {
        return write(g -> {
            g.writeStringField("e", "t");
            g.writeStringField("id", v.id());
            g.writeStringField("name", v.task());
            g.writeStringField("p", v.priority().wireName());
            g.writeNumberField("max", v.maxAttempts());
            schedule(g, v.schedule());
            chain(g, v.chain());
            group(g, v.group());
            view(g, v);
        });
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private JournalRecord write(Fields fields) {
        return out -> {
            try (JsonGenerator g = mapper.getFactory().createGenerator(out)) {
                g.writeStartObject();
                fields.write(g);
                g.writeEndObject();
            }
        };
    }

    private static void view(JsonGenerator g, TaskView v) throws IOException {
        g.writeStringField("st", v.status().wireName());
        g.writeNumberField("n", v.attempts());
        g.writeNumberField("sub", nanos(v.submittedAt()));
        if (v.result() != null) {
            g.writeFieldName("r");
            g.writeTree(v.result());
        }
        if (v.error() != null) {
            g.writeFieldName("err");
            error(g, v.error());
        }
        if (v.startedAt() != null) {
            g.writeNumberField("sa", nanos(v.startedAt()));
        }
        if (v.finishedAt() != null) {
            g.writeNumberField("fa", nanos(v.finishedAt()));
        }
        if (v.worker() != null) {
            g.writeStringField("w", v.worker());
        }
        g.writeArrayFieldStart("h");
        for (TaskView.Attempt a : v.history()) {
            g.writeStartObject();
            g.writeNumberField("n", a.number());
            g.writeNumberField("sa", nanos(a.startedAt()));
            g.writeNumberField("fa", nanos(a.finishedAt()));
            if (a.worker() != null) {
                g.writeStringField("w", a.worker());
            }
            if (a.error() != null) {
                g.writeFieldName("err");
                error(g, a.error());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void spec(JsonGenerator g, TaskSpec s) throws IOException {
        TaskOptions t = s.options();
        g.writeStringField("id", s.id());
        g.writeStringField("name", s.name());
        g.writeFieldName("args");
        g.writeTree(s.args());
        g.writeFieldName("kwargs");
        g.writeTree(s.kwargs());
        g.writeObjectFieldStart("o");
        g.writeStringField("p", t.priority().wireName());
        g.writeNumberField("r", t.maxRetries());
        g.writeNumberField("d", t.retryDelay().toNanos());
        g.writeNumberField("b", t.retryBackoff());
        g.writeNumberField("m", t.retryBackoffMax().toNanos());
        g.writeNumberField("t", t.timeout().toNanos());
        g.writeEndObject();
        if (s.notBefore() != null) {
            g.writeNumberField("nb", nanos(s.notBefore()));
        }
        schedule(g, s.schedule());
        if (s.callback() != null) {
            g.writeObjectFieldStart("cb");
            g.writeStringField("url", s.callback().url().toString());
            g.writeArrayFieldStart("ev");
            for (TaskState e : s.callback().events()) {
                g.writeString(e.wireName());
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        if (s.then() != null) {
            g.writeFieldName("then");
            g.writeTree(s.then());
        }
        chain(g, s.chain());
        group(g, s.group());
    }

    private static void chain(JsonGenerator g, ChainStep c) throws IOException {
        if (c != null) {
            g.writeObjectFieldStart("ch");
            g.writeStringField("id", c.id());
            g.writeNumberField("s", c.step());
            g.writeNumberField("n", c.steps());
            g.writeEndObject();
        }
    }

    private static void group(JsonGenerator g, GroupMember m) throws IOException {
        if (m != null) {
            g.writeObjectFieldStart("gr");
            g.writeStringField("id", m.id());
            g.writeNumberField("i", m.index());
            g.writeNumberField("n", m.size());
            g.writeEndObject();
        }
    }

    private static GroupMember group(JsonNode o) {
        JsonNode m = o.get("gr");
        return m == null ? null : new GroupMember(m.path("id").asText(), m.path("i").asInt(), m.path("n").asInt());
    }

    /** A group made; null definition: forgotten. */
    JournalRecord groupKept(StoredGroup grp) {
        return write(g -> {
            g.writeStringField("e", "G");
            g.writeStringField("id", grp.id());
            g.writeNumberField("n", grp.size());
            if (grp.then() != null) {
                g.writeFieldName("then");
                g.writeTree(grp.then());
            }
            g.writeNumberField("at", nanos(grp.createdAt()));
            if (grp.endedAt() != null) {
                g.writeNumberField("end", nanos(grp.endedAt()));
            }
        });
    }

    /** Every member of a group has ended. */
    JournalRecord groupEnded(String id, Instant at) {
        return write(g -> {
            g.writeStringField("e", "GE");
            g.writeStringField("id", id);
            g.writeNumberField("at", nanos(at));
        });
    }

    private static ChainStep chain(JsonNode o) {
        JsonNode c = o.get("ch");
        return c == null ? null : new ChainStep(c.path("id").asText(), c.path("s").asInt(), c.path("n").asInt());
    }

    private static Callback callback(JsonNode o) {
        JsonNode cb = o.get("cb");
        if (cb == null) {
            return null;
        }
        java.util.Set<TaskState> events = java.util.EnumSet.noneOf(TaskState.class);
        cb.path("ev").forEach(e -> events.add(TaskState.parse(e.asText())));
        return new Callback(java.net.URI.create(cb.path("url").asText()), events);
    }

    private static void schedule(JsonGenerator g, FromSchedule s) throws IOException {
        if (s != null) {
            g.writeObjectFieldStart("sch");
            g.writeStringField("id", s.id());
            g.writeNumberField("tick", nanos(s.tick()));
            g.writeEndObject();
        }
    }

    private static FromSchedule schedule(JsonNode o) {
        JsonNode s = o.get("sch");
        return s == null ? null : new FromSchedule(s.path("id").asText(), Instant.ofEpochSecond(0,
                s.path("tick").asLong()));
    }

    private static void trace(JsonGenerator g, Map<String, String> trace) throws IOException {
        if (!trace.isEmpty()) {
            g.writeObjectFieldStart("tc");
            for (Map.Entry<String, String> e : trace.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
    }

    private static void error(JsonGenerator g, TaskError e) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", e.type());
        g.writeStringField("message", e.message());
        if (e.exception() != null) {
            g.writeStringField("exception", e.exception());
        }
        if (e.nonRetryable() != null) {
            g.writeBooleanField("nonRetryable", true);
        }
        g.writeEndObject();
    }

    // --- replay ----------------------------------------------------------------------------------------------

    /** A task as the journal left it: what it was asked to do, and its life, replayed through the one apply path. */
    static final class Restored {
        final String id;
        String name;
        Priority priority;
        /** Attempts allowed, for a finished task restored without its spec. */
        int maxAttempts;
        TaskSpec spec; // null for a finished task restored from a snapshot (its arguments are not kept)
        Map<String, String> trace = Map.of();
        Instant submittedAt;
        TaskLife life;
        /** Order of acceptance, to queue restored tasks FIFO within a priority. */
        long order;
        /** Whether a failed task's dead letter was deleted. */
        boolean deadLetterDeleted;
        FromSchedule schedule;
        ChainStep chain;
        GroupMember group;

        Restored(String id) {
            this.id = id;
        }

        TaskState state() {
            return life.state;
        }

        /** The task's record, as it waits again (or, failed, as a dead letter keeps it). */
        TaskRecord record() {
            return TaskRecord.restored(spec, submittedAt, trace, life);
        }

        TaskView view() {
            int max = spec != null ? life.attemptBase + spec.options().maxAttempts() : maxAttempts;
            return new TaskView(id, name, life.state, priority, life.attempts, max, life.result, life.error,
                    submittedAt, spec == null ? null : spec.notBefore(), life.startedAt, life.finishedAt, life.worker,
                    List.copyOf(life.history), schedule, null, chain, group, TaskView.traceId(trace));
        }
    }

    /**
     * Applies one record to {@code tasks}, {@code claims} (idempotency keys and client-chosen ids, which expire
     * {@code windowMillis} after acceptance), {@code limits} (set through the API) and {@code schedules}; records
     * that do not advance a task are ignored.
     */
    void apply(byte[] record, Map<String, Restored> tasks, Map<String, Claim> claims, Map<String, Limit> limits,
            Map<String, StoredSchedule> schedules, Map<String, StoredGroup> groups, long order, long windowMillis)
            throws IOException {
        JsonNode o = mapper.readTree(record);
        String id = o.path("id").asText();
        Restored t = tasks.get(id);
        switch (o.path("e").asText()) {
            case "S" -> schedules.put(id, schedules.getOrDefault(id, StoredSchedule.empty(id))
                    .withDefinition(o.get("def")));
            case "SX" -> schedules.remove(id);
            case "G" -> groups.put(id, new StoredGroup(id, o.path("n").asInt(), o.get("then"),
                    Instant.ofEpochSecond(0, o.path("at").asLong()), instant(o, "end")));
            case "GE" -> {
                StoredGroup grp = groups.get(id);
                if (grp != null) {
                    groups.put(id, grp.ended(Instant.ofEpochSecond(0, o.path("at").asLong())));
                }
            }
            case "SP" -> schedules.put(id, schedules.getOrDefault(id, StoredSchedule.empty(id))
                    .withPaused(o.path("on").asBoolean()));
            case "SF" -> schedules.put(id, schedules.getOrDefault(id, StoredSchedule.empty(id))
                    .withRun(Instant.ofEpochSecond(0, o.path("tick").asLong()), o.path("task").asText()));
            case "l" -> {
                String task = o.path("name").asText();
                if (o.path("del").asBoolean(false)) {
                    limits.remove(task);
                } else {
                    limits.put(task, new Limit(o.hasNonNull("mc") ? o.get("mc").asInt() : null,
                            o.hasNonNull("rate") ? Rate.parse(o.get("rate").asText()) : null));
                }
            }
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
                t.life = o.has("due") ? new TaskLife(TaskState.SCHEDULED, instant(o, "due"))
                        : new TaskLife(TaskState.QUEUED, null);
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
                t.life = life(o);
                t.schedule = schedule(o);
                t.chain = chain(o);
                t.group = group(o);
                t.order = order;
                tasks.put(id, t);
            }
            case "q", "s", "e", "h", "c", "r" -> {
                if (t == null) {
                    return;
                }
                TaskCommand c = command(o);
                if (t.life.apply(c) && c instanceof TaskCommand.Retry) {
                    t.deadLetterDeleted = false;
                }
            }
            case "d" -> {
                if (t != null) {
                    t.deadLetterDeleted = true;
                }
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
                options, instant(o, "nb"), schedule(o), callback(o), o.hasNonNull("then") ? (ObjectNode) o.get("then")
                        : null,
                chain(o), group(o));
        t.schedule = t.spec.schedule();
        t.chain = t.spec.chain();
        t.group = t.spec.group();
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

    /** The task command a record of a change after acceptance holds (the same command that was applied live). */
    static TaskCommand command(JsonNode o) {
        String id = o.path("id").asText();
        Instant at = Instant.ofEpochSecond(0, o.path("at").asLong());
        return switch (o.path("e").asText()) {
            case "q" -> new TaskCommand.Release(id, TaskState.parse(o.path("from").asText()), at);
            case "s" -> new TaskCommand.Start(id, o.path("n").asInt(), o.path("w").asText(), at);
            case "e" -> new TaskCommand.End(id, o.path("n").asInt(), TaskState.parse(o.path("st").asText()),
                    o.get("r"), error(o.get("err")), at, instant(o, "due"));
            case "h" -> new TaskCommand.HandBack(id, o.path("n").asInt(), error(o.get("err")), at);
            case "c" -> new TaskCommand.Cancel(id, at);
            case "r" -> new TaskCommand.Retry(id, at);
            default -> throw new IllegalArgumentException("not a task command: " + o.path("e").asText());
        };
    }

    /** The life a snapshot record holds: set as it was, nothing applied. */
    private static TaskLife life(JsonNode o) {
        List<TaskView.Attempt> history = new ArrayList<>();
        for (JsonNode a : o.path("h")) {
            history.add(new TaskView.Attempt(a.path("n").asInt(), a.hasNonNull("w") ? a.get("w").asText() : null,
                    Instant.ofEpochSecond(0, a.path("sa").asLong()), Instant.ofEpochSecond(0, a.path("fa").asLong()),
                    error(a.get("err"))));
        }
        return TaskLife.restored(TaskState.parse(o.path("st").asText()), o.path("n").asInt(), o.path("base").asInt(0),
                o.get("r"), error(o.get("err")), instant(o, "sa"), instant(o, "fa"),
                o.hasNonNull("w") ? o.get("w").asText() : null, instant(o, "due"), history);
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
