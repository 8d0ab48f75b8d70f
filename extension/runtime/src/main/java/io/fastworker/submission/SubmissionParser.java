package io.fastworker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.callback.CallbackTargets;
import io.fastworker.engine.Callback;
import io.fastworker.engine.ChainStep;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskSpec;
import io.fastworker.execution.Durations;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskOptions;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Turns one JSON submission into a {@link TaskSpec}, or a 400 problem that names the field and the fix. When the
 * task's parameters are known (its definition here, or a subworker's announcement), arguments that cannot bind to
 * them are refused here rather than failing later.
 */
@ApplicationScoped
class SubmissionParser {

    static final Set<String> FIELDS = Set.of("id", "task", "args", "kwargs", "priority", "countdown", "eta",
            "maxRetries", "timeout", "retryDelay", "retryBackoff", "retryBackoffMax", "idempotencyKey", "callback",
            "then");
    /** Most steps a chain may have. */
    static final int MAX_CHAIN = 100;
    /** Longest idempotency key. */
    static final int MAX_KEY = 255;
    /** Furthest ahead a countdown or ETA may lie. */
    static final Duration MAX_COUNTDOWN = Duration.ofDays(366);

    @Inject
    AcceptedTasks accepted;

    @Inject
    io.fastworker.config.FastWorkerConfig config;

    /** How refusals name a list of submissions: a {@code batch} of entries or a {@code group} of tasks. */
    enum ListKind {
        BATCH("batch", "submissions", "entry", "no task of this batch was accepted", true), GROUP("group", "tasks",
                "task", "nothing of this group was accepted", false);

        final String whole;
        final String items;
        final String item;
        final String nothingAccepted;
        final boolean indexExtension;

        ListKind(String whole, String items, String item, String nothingAccepted, boolean indexExtension) {
            this.whole = whole;
            this.items = items;
            this.item = item;
            this.nothingAccepted = nothingAccepted;
            this.indexExtension = indexExtension;
        }
    }

    /** Parses one entry of a list; refusals it throws are prefixed with the entry's index. */
    @FunctionalInterface
    interface Entry {
        Submission parse(int index, JsonNode node);
    }

    /**
     * Every entry of {@code array} (at most {@code fastworker.api.max-batch-size} of them), all or none: the first
     * bad entry refuses the whole list, naming its index.
     */
    List<Submission> entries(JsonNode array, ListKind kind, Entry entry) {
        int max = config.api().maxBatchSize();
        if (array.size() > max) {
            throw ProblemException.badRequest("a " + kind.whole + " may hold at most " + max + " " + kind.items
                    + " (fastworker.api.max-batch-size), got " + array.size());
        }
        List<Submission> out = new java.util.ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            try {
                out.add(entry.parse(i, array.get(i)));
            } catch (ProblemException e) {
                Map<String, Object> extra = e.extensions();
                if (kind.indexExtension) {
                    extra = new java.util.LinkedHashMap<>(extra);
                    extra.put("index", i);
                }
                throw new ProblemException(e.status(), e.code(), e.title(), kind.item + " " + i + ": "
                        + e.getMessage() + "; " + kind.nothingAccepted, extra, array.size());
            }
        }
        return out;
    }

    /**
     * A submission with its idempotency key: {@code headerKey} (the {@code Idempotency-Key} header) or the body's
     * {@code idempotencyKey} field; the request's fingerprint is its JSON without that field, keys sorted.
     */
    Submission submission(JsonNode body, Instant now, String headerKey) {
        TaskSpec spec = parse(body, now);
        JsonNode field = body.get("idempotencyKey");
        String key = headerKey;
        if (field != null && !field.isNull()) {
            if (!field.isTextual()) {
                throw ProblemException.badRequest("field 'idempotencyKey' must be a string, got " + kind(field));
            }
            if (headerKey != null && !headerKey.equals(field.asText())) {
                throw ProblemException.badRequest("the Idempotency-Key header and the field 'idempotencyKey' "
                        + "differ; send the key once");
            }
            key = field.asText();
        }
        if (key == null) {
            return new Submission(spec, null, null, body.hasNonNull("id"));
        }
        checkKey(key);
        ObjectNode request = ((ObjectNode) body).deepCopy();
        request.remove("idempotencyKey");
        return new Submission(spec, key, fingerprint(request), body.hasNonNull("id"));
    }

    static void checkKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ProblemException.badRequest("an idempotency key must be 1 to " + MAX_KEY + " visible ASCII "
                    + "characters (no spaces), e.g. a UUID or 'order-42-confirmation'");
        }
    }

    /** SHA-256 of the request's JSON with object keys sorted, so that key order does not make two requests differ. */
    static String fingerprint(JsonNode request) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(request, Object.class)));
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper CANONICAL = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    TaskSpec parse(JsonNode body, Instant now) {
        if (body == null || !body.isObject()) {
            throw ProblemException.badRequest("a submission must be a JSON object like "
                    + "{\"task\": \"add\", \"args\": [5, 3]}, got " + kind(body));
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw ProblemException.badRequest("unknown field '" + field + "'; a submission may have: "
                        + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        JsonNode taskNode = body.get("task");
        if (taskNode == null || !taskNode.isTextual() || taskNode.asText().isBlank()) {
            throw ProblemException.badRequest("field 'task' is required and must be the name of a task as a "
                    + "string; known tasks: " + knownNames());
        }
        String name = taskNode.asText();
        TaskDefinition definition = accepted.definition(name)
                .orElseThrow(() -> new ProblemException(400, "unknown-task", "Unknown task", "no task named '" + name
                        + "' is registered; known tasks: " + knownNames(),
                        Map.of("knownTasks", knownNames().split(", "))));
        ArrayNode args = optional(body, "args", JsonNode::isArray, "a JSON array", ArrayNode.class,
                JsonNodeFactory.instance.arrayNode());
        ObjectNode kwargs = optional(body, "kwargs", JsonNode::isObject, "a JSON object", ObjectNode.class,
                JsonNodeFactory.instance.objectNode());
        TaskOptions options;
        try {
            options = definition.defaults().merge(overrides(body));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("field " + e.getMessage());
        }
        String id = id(body);
        Instant notBefore = notBefore(body, now);
        definition.parameters().ifPresent(params -> checkBinding(name, params, args, kwargs));
        TaskSpec spec = new TaskSpec(id, name, args, kwargs, options, notBefore)
                .withCallback(callback(body.get("callback")));
        JsonNode then = body.get("then");
        if (then == null || then.isNull()) {
            return spec;
        }
        int steps = 1 + checkedThen(then, now, 1);
        return spec.followedBy((ObjectNode) then.deepCopy(), new ChainStep(id, 0, steps));
    }

    /**
     * Checks the {@code then} of a chain's step {@code step - 1} (and the ones it nests) as the submissions they
     * become, with the result of the step before as their first argument; returns how many steps follow.
     */
    int checkedThen(JsonNode then, Instant now, int step) {
        if (!then.isObject()) {
            throw ProblemException.badRequest("field 'then' must be a submission object such as {\"task\": \"add\", "
                    + "\"args\": [10]}; the result of the task before is put in front of its args");
        }
        if (step >= MAX_CHAIN) {
            throw ProblemException.badRequest("a chain may have at most " + MAX_CHAIN + " steps");
        }
        for (String f : List.of("id", "idempotencyKey")) {
            if (then.has(f)) {
                throw ProblemException.badRequest("'then' (step " + step + ") may not have '" + f + "': a chain's "
                        + "steps get their ids from its first task's, as <id>:then-<step>");
            }
        }
        ObjectNode probe = ((ObjectNode) then).deepCopy();
        ArrayNode args = probe.putArray("args");
        args.addNull(); // the result of the step before
        JsonNode given = then.get("args");
        if (given != null && given.isArray()) {
            args.addAll((ArrayNode) given);
        } else if (given != null && !given.isNull()) {
            throw ProblemException.badRequest("'then' (step " + step + "): field 'args' must be a JSON array");
        }
        probe.remove("then");
        try {
            parse(probe, now);
        } catch (ProblemException e) {
            throw new ProblemException(e.status(), e.code(), e.title(), "'then' (step " + step + "): "
                    + e.getMessage(), e.extensions());
        }
        JsonNode next = then.get("then");
        return next == null || next.isNull() ? 1 : 1 + checkedThen(next, now, step + 1);
    }

    /** The {@code callback} field: {@code {"url": "https://...", "events": ["success", "failure"]}}. */
    private Callback callback(JsonNode c) {
        if (c == null || c.isNull()) {
            return null;
        }
        if (!c.isObject()) {
            throw ProblemException.badRequest("field 'callback' must be an object such as {\"url\": "
                    + "\"https://example.com/hooks/fastworker\", \"events\": [\"success\", \"failure\"]}");
        }
        for (Iterator<String> it = c.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!f.equals("url") && !f.equals("events")) {
                throw ProblemException.badRequest("unknown field 'callback." + f + "'; a callback has url and events");
            }
        }
        JsonNode url = c.get("url");
        if (url == null || !url.isTextual()) {
            throw ProblemException.badRequest("field 'callback.url' is required: the http(s) URL to POST the task to "
                    + "when it ends");
        }
        java.util.Set<TaskState> events = java.util.EnumSet.noneOf(TaskState.class);
        JsonNode ev = c.get("events");
        if (ev == null || ev.isNull()) {
            events.addAll(List.of(TaskState.SUCCESS, TaskState.FAILURE));
        } else if (!ev.isArray() || ev.isEmpty()) {
            throw ProblemException.badRequest("field 'callback.events' must be a non-empty array of success, "
                    + "failure, cancelled");
        } else {
            for (JsonNode e : ev) {
                TaskState st = null;
                try {
                    st = e.isTextual() ? TaskState.parse(e.asText()) : null;
                } catch (IllegalArgumentException ignored) {
                    // reported below
                }
                if (st == null || !st.isTerminal()) {
                    throw ProblemException.badRequest("field 'callback.events' may hold success, failure and "
                            + "cancelled, got " + e);
                }
                events.add(st);
            }
        }
        Callback cb;
        try {
            cb = new Callback(java.net.URI.create(url.asText()), events);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("field 'callback.url': " + (e.getMessage().startsWith("a callback")
                    ? e.getMessage() : "not a URL: " + url.asText()));
        }
        String internal = config.callbacks().allowedHosts().isPresent() ? null
                : CallbackTargets.literalRefusal(cb.url().getHost());
        if (internal != null) {
            throw new ProblemException(400, "callback-host-not-allowed", "Callback host not allowed", "'"
                    + cb.url().getHost() + "' is " + internal + ": callbacks go to public addresses only, unless "
                    + "fastworker.callbacks.allowed-hosts names the host");
        }
        if (!CallbackTargets.allowed(cb.url().getHost(), config.callbacks().allowedHosts())) {
            throw new ProblemException(400, "callback-host-not-allowed", "Callback host not allowed", "callbacks may "
                    + "go only to the hosts in fastworker.callbacks.allowed-hosts ("
                    + String.join(", ", config.callbacks().allowedHosts().orElse(List.of())) + "); '"
                    + cb.url().getHost() + "' is not one of them");
        }
        return cb;
    }

    /**
     * Refuses arguments that cannot bind to the parameters: too many positional ones, an unknown or repeated name,
     * or a parameter left without a value. Whether the values have the right types is found out when the task runs.
     */
    private static void checkBinding(String task, List<String> params, ArrayNode args, ObjectNode kwargs) {
        String problem = null;
        if (args.size() > params.size()) {
            problem = "takes " + params.size() + " argument(s) but " + args.size() + " positional were given";
        }
        for (Iterator<String> it = kwargs.fieldNames(); problem == null && it.hasNext();) {
            String key = it.next();
            int index = params.indexOf(key);
            if (index < 0) {
                problem = "has no parameter '" + key + "'";
            } else if (index < args.size()) {
                problem = "got parameter '" + key + "' both positionally and by name";
            }
        }
        if (problem == null) {
            List<String> missing = new ArrayList<>();
            for (int i = args.size(); i < params.size(); i++) {
                if (!kwargs.has(params.get(i))) {
                    missing.add(params.get(i));
                }
            }
            if (!missing.isEmpty()) {
                problem = "is missing argument(s) " + String.join(", ", missing);
            }
        }
        if (problem != null) {
            throw new ProblemException(400, "bad-arguments", "Arguments do not fit the task", "task '" + task + "' "
                    + problem + "; its parameters are (" + String.join(", ", params) + ")",
                    Map.of("parameters", params));
        }
    }

    private String knownNames() {
        return String.join(", ", accepted.names());
    }

    private static String id(JsonNode body) {
        JsonNode node = body.get("id");
        if (node == null || node.isNull()) {
            return UUID.randomUUID().toString();
        }
        if (!node.isTextual()) {
            throw ProblemException.badRequest("field 'id' must be a string, got " + kind(node));
        }
        try {
            TaskSpec.checkId(node.asText());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("field 'id': " + e.getMessage());
        }
        return node.asText();
    }

    private static TaskOptions.Overrides overrides(JsonNode body) {
        try {
            Priority priority = null;
            JsonNode p = body.get("priority");
            if (p != null && !p.isNull()) {
                if (!p.isTextual()) {
                    throw new IllegalArgumentException("'priority' must be one of " + Priority.NAMES
                            + " as a string, got " + kind(p));
                }
                priority = Priority.parse(p.asText());
            }
            Integer maxRetries = null;
            JsonNode retries = body.get("maxRetries");
            if (retries != null && !retries.isNull()) {
                if (!retries.isIntegralNumber() || !retries.canConvertToInt()) {
                    throw new IllegalArgumentException("'maxRetries' must be a whole number from 0 to "
                            + TaskOptions.MAX_RETRIES + ", got " + retries);
                }
                maxRetries = retries.asInt();
            }
            Double backoff = null;
            JsonNode b = body.get("retryBackoff");
            if (b != null && !b.isNull()) {
                if (!b.isNumber()) {
                    throw new IllegalArgumentException("'retryBackoff' must be a number from 1.0 to "
                            + TaskOptions.MAX_RETRY_BACKOFF + ", got " + kind(b));
                }
                backoff = b.asDouble();
            }
            return new TaskOptions.Overrides(priority, maxRetries, duration(body, "retryDelay"), backoff,
                    duration(body, "retryBackoffMax"), duration(body, "timeout"));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("field " + e.getMessage());
        }
    }

    private static Instant notBefore(JsonNode body, Instant now) {
        JsonNode eta = body.get("eta");
        Duration countdown;
        try {
            countdown = duration(body, "countdown");
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("field " + e.getMessage());
        }
        if (eta != null && !eta.isNull()) {
            if (countdown != null) {
                throw ProblemException.badRequest("give either 'countdown' or 'eta', not both");
            }
            if (!eta.isTextual()) {
                throw ProblemException.badRequest("field 'eta' must be an ISO-8601 time with offset such as "
                        + "\"2026-01-31T12:00:00Z\", got " + kind(eta));
            }
            Instant at;
            try {
                at = OffsetDateTime.parse(eta.asText()).toInstant();
            } catch (DateTimeParseException e) {
                throw ProblemException.badRequest("field 'eta' must be an ISO-8601 time with offset such as "
                        + "\"2026-01-31T12:00:00Z\", got \"" + eta.asText() + "\"");
            }
            if (Duration.between(now, at).compareTo(MAX_COUNTDOWN) > 0) {
                throw ProblemException.badRequest("field 'eta' lies more than " + MAX_COUNTDOWN.toDays()
                        + " days ahead");
            }
            return at;
        }
        if (countdown == null) {
            return null;
        }
        if (countdown.compareTo(MAX_COUNTDOWN) > 0) {
            throw ProblemException.badRequest("field 'countdown' must be at most " + MAX_COUNTDOWN.toDays()
                    + " days, got " + countdown);
        }
        return now.plus(countdown);
    }

    private static Duration duration(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        try {
            if (node.isNumber()) {
                return Durations.ofSeconds(node.asDouble());
            }
            if (node.isTextual()) {
                return Durations.parse(node.asText());
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + field + "': " + e.getMessage());
        }
        throw new IllegalArgumentException("'" + field + "' must be seconds as a number or a duration string such "
                + "as \"PT30S\" or \"30s\", got " + kind(node));
    }

    private static <T extends JsonNode> T optional(JsonNode body, String field, Predicate<JsonNode> ok,
            String expected, Class<T> type, T fallback) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!ok.test(node)) {
            throw ProblemException.badRequest("field '" + field + "' must be " + expected + ", got " + kind(node));
        }
        return type.cast(node);
    }

    static String kind(JsonNode node) {
        return node == null ? "nothing" : node.getNodeType().name().toLowerCase();
    }
}
