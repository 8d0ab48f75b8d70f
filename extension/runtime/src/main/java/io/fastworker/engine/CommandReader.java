package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Rate;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a journal record back as the {@link Command} {@link CommandWriter} wrote: the same command, which replay
 * applies through {@link EngineState#apply} like any other. It decides nothing.
 */
final class CommandReader {

    private final ObjectMapper mapper;

    CommandReader(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /** @throws IOException a record that is not JSON, or of a type this version does not know */
    Command read(byte[] record) throws IOException {
        JsonNode o = mapper.readTree(record);
        RecordType type = RecordType.of(o.path("e").asText());
        if (type == null) {
            throw new IOException("unknown journal record type '" + o.path("e").asText() + "'");
        }
        String id = o.path("id").asText();
        return switch (type) {
            case ACCEPTED -> {
                TaskSpec spec = spec(o);
                Instant at = instant(o, "sub");
                Instant claimsExpire = o.has("kx") ? instant(o, "kx") : at;
                yield new Command.Accept(spec, at, trace(o), text(o, "ik"), text(o, "fp"),
                        o.path("cid").asBoolean(false), claimsExpire);
            }
            case RELEASED -> new TaskCommand.Release(id, TaskState.parse(o.path("from").asText()), instant(o, "at"));
            case STARTED -> new TaskCommand.Start(id, o.path("n").asInt(), o.path("w").asText(), instant(o, "at"));
            case ENDED -> new TaskCommand.End(id, o.path("n").asInt(), TaskState.parse(o.path("st").asText()),
                    o.get("r"), error(o.get("err")), instant(o, "at"), instant(o, "due"));
            case HANDED_BACK -> new TaskCommand.HandBack(id, o.path("n").asInt(), error(o.get("err")),
                    instant(o, "at"));
            case CANCELLED -> new TaskCommand.Cancel(id, instant(o, "at"));
            case STOPPING -> new TaskCommand.Stop(id, o.path("n").asInt(), instant(o, "at"));
            case RETRIED -> new TaskCommand.Retry(id, instant(o, "at"));
            case DEAD_LETTER_DELETED -> new Command.DeleteDeadLetter(id, instant(o, "at"));
            case LIMIT_SET -> new Command.SetLimit(o.path("name").asText(), o.path("del").asBoolean(false) ? null
                    : new Limit(o.hasNonNull("mc") ? o.get("mc").asInt() : null,
                            o.hasNonNull("rate") ? Rate.parse(o.get("rate").asText()) : null));
            case SCHEDULE_DEFINED -> new Command.DefineSchedule(id, o.get("def"));
            case SCHEDULE_DELETED -> new Command.DefineSchedule(id, null);
            case SCHEDULE_PAUSED -> new Command.PauseSchedule(id, o.path("on").asBoolean());
            case SCHEDULE_RAN -> new Command.ScheduleRan(id, instant(o, "tick"), o.path("task").asText());
            case GROUP_KEPT -> new Command.KeepGroup(new StoredGroup(id, o.path("n").asInt(), o.get("then"),
                    instant(o, "at"), instant(o, "end")));
            case GROUP_ENDED -> new Command.EndGroup(id, instant(o, "at"));
            case GROUP_FORGOTTEN -> new Command.ForgetGroup(id);
            case TASK -> task(o);
            case DEAD_LETTER -> {
                TaskSpec spec = spec(o);
                Map<String, String> trace = trace(o);
                yield new Command.RestoreDeadLetter(new DeadLetter(spec, view(o, spec, trace, null), trace));
            }
            case CLAIM -> new Command.RestoreClaim(o.path("k").asText(), new Claim(id, o.path("name").asText(),
                    text(o, "fp"), o.path("exp").asLong()));
        };
    }

    private static Command.RestoreTask task(JsonNode o) {
        if (o.has("args")) {
            TaskSpec spec = spec(o);
            Map<String, String> trace = trace(o);
            return new Command.RestoreTask(view(o, spec, trace, null), spec, trace, o.path("base").asInt(0),
                    instant(o, "due"));
        }
        return new Command.RestoreTask(view(o, null, Map.of(), null), null, Map.of(), 0, null);
    }

    /** The task a snapshot record shows: from its spec when it has one, else from its summary. */
    private static TaskView view(JsonNode o, TaskSpec spec, Map<String, String> trace, CallbackStatus callback) {
        List<TaskView.Attempt> history = new ArrayList<>();
        for (JsonNode a : o.path("h")) {
            history.add(new TaskView.Attempt(a.path("n").asInt(), text(a, "w"), instant(a, "sa"), instant(a, "fa"),
                    error(a.get("err"))));
        }
        String name = spec != null ? spec.name() : o.path("name").asText();
        Priority priority = spec != null ? spec.options().priority() : Priority.parse(o.path("p").asText());
        int max = spec != null ? o.path("base").asInt(0) + spec.options().maxAttempts() : o.path("max").asInt();
        return new TaskView(o.path("id").asText(), name, TaskState.parse(o.path("st").asText()), priority,
                o.path("n").asInt(), max, o.get("r"), error(o.get("err")), instant(o, "sub"),
                spec == null ? null : spec.notBefore(), instant(o, "sa"), instant(o, "fa"), text(o, "w"),
                List.copyOf(history), spec != null ? spec.schedule() : schedule(o), callback,
                spec != null ? spec.chain() : chain(o), spec != null ? spec.group() : group(o),
                TaskView.traceId(trace), null);
    }

    private static TaskSpec spec(JsonNode o) {
        JsonNode opts = o.path("o");
        TaskOptions options = new TaskOptions(Priority.parse(opts.path("p").asText()), opts.path("r").asInt(),
                Duration.ofNanos(opts.path("d").asLong()), opts.path("b").asDouble(),
                Duration.ofNanos(opts.path("m").asLong()), Duration.ofNanos(opts.path("t").asLong()));
        return new TaskSpec(o.path("id").asText(), o.path("name").asText(), (ArrayNode) o.get("args"),
                (ObjectNode) o.get("kwargs"), options, instant(o, "nb"), schedule(o), callback(o),
                o.hasNonNull("then") ? (ObjectNode) o.get("then") : null, chain(o), group(o));
    }

    private static Map<String, String> trace(JsonNode o) {
        if (!o.has("tc")) {
            return Map.of();
        }
        Map<String, String> trace = new LinkedHashMap<>();
        o.get("tc").fields().forEachRemaining(f -> trace.put(f.getKey(), f.getValue().asText()));
        return trace;
    }

    private static FromSchedule schedule(JsonNode o) {
        JsonNode s = o.get("sch");
        return s == null ? null : new FromSchedule(s.path("id").asText(), instant(s, "tick"));
    }

    private static ChainStep chain(JsonNode o) {
        JsonNode c = o.get("ch");
        return c == null ? null : new ChainStep(c.path("id").asText(), c.path("s").asInt(), c.path("n").asInt());
    }

    private static GroupMember group(JsonNode o) {
        JsonNode m = o.get("gr");
        return m == null ? null : new GroupMember(m.path("id").asText(), m.path("i").asInt(), m.path("n").asInt());
    }

    private static Callback callback(JsonNode o) {
        JsonNode cb = o.get("cb");
        if (cb == null) {
            return null;
        }
        Set<TaskState> events = EnumSet.noneOf(TaskState.class);
        cb.path("ev").forEach(e -> events.add(TaskState.parse(e.asText())));
        return new Callback(URI.create(cb.path("url").asText()), events);
    }

    private static TaskError error(JsonNode e) {
        if (e == null || e.isNull()) {
            return null;
        }
        return new TaskError(e.path("type").asText(), e.path("message").asText(), text(e, "exception"),
                e.path("nonRetryable").asBoolean(false) ? Boolean.TRUE : null);
    }

    private static String text(JsonNode o, String field) {
        return o.hasNonNull(field) ? o.get(field).asText() : null;
    }

    private static Instant instant(JsonNode o, String field) {
        return o.hasNonNull(field) ? Instant.ofEpochSecond(0, o.get(field).asLong()) : null;
    }
}
