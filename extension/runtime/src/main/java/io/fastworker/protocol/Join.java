package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskOptions;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Rate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A subworker's join ({@code fastworker.link.join}): who it is, the tasks it runs and how many at once, and what it
 * announces of them (parameter names, options, limits); whether it takes several tasks per frame and the largest
 * frame it takes; and, re-joining, the attempts it still holds ({@link Held}). {@link #read} checks the shape of every
 * field; what the control plane allows is its join policy.
 */
public record Join(int protocol, String workerId, List<String> tasks, Map<String, List<String>> parameters,
        Map<String, TaskOptions.Overrides> options, Map<String, Limit> limits, int concurrency, Long maxFrameSize,
        boolean batch, String token, List<Held> holding) {

    /** A worker id: 1 to 128 characters of {@code A-Z a-z 0-9 . _ : -}. */
    public static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** Most task slots a subworker may announce. */
    public static final int MAX_CONCURRENCY = 10_000;
    /** Smallest frame limit a subworker may announce: the largest frame accepted before a join. */
    public static final long MIN_FRAME_SIZE = 64 * 1024;

    public Join {
        tasks = List.copyOf(tasks);
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        limits = Collections.unmodifiableMap(new LinkedHashMap<>(limits));
        holding = List.copyOf(holding);
    }

    /**
     * The join a body describes.
     *
     * @throws MalformedMessageException naming the first field of the wrong shape or out of its range
     */
    public static Join read(JsonNode body) {
        if (!Fields.isInt(body.get("protocol"))) {
            throw new MalformedMessageException("unsupported protocol " + body.get("protocol") + "; this control "
                    + "plane speaks " + LinkProtocol.VERSION);
        }
        JsonNode id = body.get("workerId");
        if (id == null || !id.isTextual() || !WORKER_ID.matcher(id.textValue()).matches()) {
            throw new MalformedMessageException("workerId must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
        }
        JsonNode names = body.get("tasks");
        if (names == null || !names.isArray() || names.isEmpty()) {
            throw new MalformedMessageException("tasks must be a non-empty array of task names");
        }
        List<String> tasks = new ArrayList<>(names.size());
        for (JsonNode n : names) {
            if (!n.isTextual() || n.textValue().isBlank()) {
                throw new MalformedMessageException("tasks must be a non-empty array of task names");
            }
            tasks.add(n.textValue());
        }
        JsonNode c = body.get("concurrency");
        if (!Fields.isInt(c) || c.intValue() < 1 || c.intValue() > MAX_CONCURRENCY) {
            throw new MalformedMessageException("concurrency must be a whole number from 1 to " + MAX_CONCURRENCY);
        }
        Map<String, Limit> limits = limits(body.get("limits"), tasks);
        JsonNode frameSize = body.get("maxFrameSize");
        if (frameSize != null && !(frameSize.isIntegralNumber() && frameSize.canConvertToLong()
                && frameSize.longValue() >= MIN_FRAME_SIZE && frameSize.longValue() <= Integer.MAX_VALUE)) {
            throw new MalformedMessageException("maxFrameSize, when given, must be a whole number of bytes from "
                    + MIN_FRAME_SIZE + " to " + Integer.MAX_VALUE + ", got " + frameSize);
        }
        JsonNode batch = body.get("batch");
        if (batch != null && !batch.isBoolean()) {
            throw new MalformedMessageException("batch, when given, must be true or false, got " + batch);
        }
        JsonNode token = body.get("token");
        return new Join(body.get("protocol").intValue(), id.textValue(), tasks, parameters(body.get("parameters")),
                options(body.get("options"), tasks), limits, c.intValue(),
                frameSize == null ? null : frameSize.longValue(), batch != null && batch.booleanValue(),
                token != null && token.isTextual() ? token.textValue() : null,
                Held.readAll(body.get("holding"), 2 * c.intValue()));
    }

    private static Map<String, List<String>> parameters(JsonNode p) {
        Map<String, List<String>> out = new HashMap<>();
        if (p == null) {
            return out;
        }
        String shape = "parameters, when given, must map task names to arrays of parameter names";
        if (!p.isObject()) {
            throw new MalformedMessageException(shape);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isArray()) {
                throw new MalformedMessageException(shape);
            }
            List<String> names = new ArrayList<>();
            for (JsonNode n : e.getValue()) {
                if (!n.isTextual()) {
                    throw new MalformedMessageException(shape);
                }
                names.add(n.textValue());
            }
            out.put(e.getKey(), List.copyOf(names));
        }
        return out;
    }

    private static Map<String, TaskOptions.Overrides> options(JsonNode o, List<String> tasks) {
        Map<String, TaskOptions.Overrides> out = new HashMap<>();
        if (o == null) {
            return out;
        }
        if (!o.isObject()) {
            throw new MalformedMessageException("options, when given, must map task names to their options, e.g. "
                    + "{\"resize\": {\"timeout\": \"PT1S\", \"maxRetries\": 2}}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!tasks.contains(e.getKey())) {
                throw new MalformedMessageException("options names '" + e.getKey() + "', which this subworker does "
                        + "not announce");
            }
            if (!e.getValue().isObject()) {
                throw new MalformedMessageException("the options of '" + e.getKey() + "' must be an object such as "
                        + "{\"timeout\": \"PT1S\"}");
            }
            try {
                out.put(e.getKey(), TaskOptions.Overrides.fromJson(plain(e.getValue())));
            } catch (IllegalArgumentException x) {
                throw new MalformedMessageException("the options of '" + e.getKey() + "': " + x.getMessage());
            }
        }
        return out;
    }

    private static Map<String, Limit> limits(JsonNode l, List<String> tasks) {
        Map<String, Limit> out = new HashMap<>();
        if (l == null) {
            return out;
        }
        if (!l.isObject()) {
            throw new MalformedMessageException("limits, when given, must map task names to {maxConcurrency, "
                    + "rateLimit}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = l.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!tasks.contains(e.getKey())) {
                throw new MalformedMessageException("limits names '" + e.getKey() + "', which this subworker does not "
                        + "announce");
            }
            if (!e.getValue().isObject()) {
                throw new MalformedMessageException("the limit of '" + e.getKey() + "' must be an object "
                        + "{maxConcurrency, rateLimit}");
            }
            try {
                out.put(e.getKey(), limit(e.getValue()));
            } catch (IllegalArgumentException x) {
                throw new MalformedMessageException("the limit of '" + e.getKey() + "': " + x.getMessage());
            }
        }
        return out;
    }

    /** A limit as a subworker announces it: {@code {"maxConcurrency": 2, "rateLimit": "10/s"}}. */
    private static Limit limit(JsonNode o) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!f.equals("maxConcurrency") && !f.equals("rateLimit")) {
                throw new IllegalArgumentException("unknown field '" + f + "'");
            }
        }
        JsonNode mc = o.get("maxConcurrency");
        JsonNode rate = o.get("rateLimit");
        if (mc != null && !mc.isNull() && !Fields.isInt(mc)) {
            throw new IllegalArgumentException("maxConcurrency must be a whole number");
        }
        if (rate != null && !rate.isNull() && !rate.isTextual()) {
            throw new IllegalArgumentException("rateLimit must be a string such as \"10/s\"");
        }
        return new Limit(mc == null || mc.isNull() ? null : mc.intValue(),
                rate == null || rate.isNull() ? null : Rate.parse(rate.textValue()));
    }

    /** A JSON object's fields as plain Java values (strings, numbers, booleans), for the options' reader. */
    private static Map<String, Object> plain(JsonNode o) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            out.put(e.getKey(), v.isTextual() ? v.textValue() : v.isNumber() ? v.numberValue()
                    : v.isBoolean() ? (Object) v.booleanValue() : v.isNull() ? null : v);
        }
        return out;
    }

    /** The body as a subworker writes it. */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode o = f.objectNode().put("protocol", protocol).put("workerId", workerId);
        tasks.forEach(o.putArray("tasks")::add);
        ObjectNode p = o.putObject("parameters");
        parameters.forEach((task, names) -> names.forEach(p.putArray(task)::add));
        ObjectNode opts = o.putObject("options");
        options.forEach((task, declared) -> {
            ObjectNode one = opts.putObject(task);
            declared.asJson().forEach((k, v) -> {
                if (v instanceof Integer i) {
                    one.put(k, i);
                } else if (v instanceof Number n) {
                    one.put(k, n.doubleValue());
                } else if (v != null) {
                    one.put(k, v.toString());
                }
            });
        });
        ObjectNode l = o.putObject("limits");
        limits.forEach((task, limit) -> {
            ObjectNode one = l.putObject(task);
            if (limit.maxConcurrency() != null) {
                one.put("maxConcurrency", limit.maxConcurrency());
            }
            if (limit.rate() != null) {
                one.put("rateLimit", limit.rate().toString());
            }
        });
        o.put("concurrency", concurrency);
        if (maxFrameSize != null) {
            o.put("maxFrameSize", maxFrameSize);
        }
        o.put("batch", batch);
        if (token != null) {
            o.put("token", token);
        }
        if (!holding.isEmpty()) {
            com.fasterxml.jackson.databind.node.ArrayNode held = o.putArray("holding");
            holding.forEach(h -> h.writeTo(held));
        }
        return o;
    }
}
