package io.fastworker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.TaskSpec;
import io.fastworker.link.RemoteWorkers;
import io.fastworker.queue.Priority;
import io.fastworker.task.Durations;
import io.fastworker.task.TaskDefinition;
import io.fastworker.task.TaskOptions;
import io.fastworker.task.TaskRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

/** Turns one JSON submission into a {@link TaskSpec}, or a 400 problem that names the field and the fix. */
@ApplicationScoped
class SubmissionParser {

    static final Set<String> FIELDS = Set.of("id", "task", "args", "kwargs", "priority", "countdown", "eta",
            "maxRetries", "timeout", "retryDelay", "retryBackoff", "retryBackoffMax");
    private static final Duration MAX_COUNTDOWN = Duration.ofDays(366);

    @Inject
    TaskRegistry registry;

    @Inject
    RemoteWorkers remote;

    @Inject
    FastWorkerConfig config;

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
        TaskDefinition definition = registry.find(name).or(() -> remoteOnly(name)).orElseThrow(() ->
                new ProblemException(400, "unknown-task", "Unknown task", "no task named '" + name
                        + "' is registered; known tasks: " + knownNames(),
                        Map.of("knownTasks", knownNames().split(", "))));
        ArrayNode args = optional(body, "args", JsonNode::isArray, "a JSON array", ArrayNode.class,
                JsonNodeFactory.instance.arrayNode());
        ObjectNode kwargs = optional(body, "kwargs", JsonNode::isObject, "a JSON object", ObjectNode.class,
                JsonNodeFactory.instance.objectNode());
        TaskOptions options = options(body, definition.defaults());
        return new TaskSpec(id(body), name, args, kwargs, options, notBefore(body, now));
    }

    /** A task no Java bean declares but a joined subworker (possibly in another language) announced. */
    private java.util.Optional<TaskDefinition> remoteOnly(String name) {
        if (!remote.announced().contains(name)) {
            return java.util.Optional.empty();
        }
        FastWorkerConfig.TaskDefaults d = config.taskDefaults();
        return java.util.Optional.of(new TaskDefinition(name, List.of(), new TaskOptions(Priority.NORMAL,
                d.maxRetries(), d.retryDelay(), d.retryBackoff(), d.retryBackoffMax(), d.timeout())));
    }

    private String knownNames() {
        java.util.TreeSet<String> names = new java.util.TreeSet<>(remote.announced());
        registry.definitions().forEach(t -> names.add(t.name()));
        return String.join(", ", names);
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

    private static TaskOptions options(JsonNode body, TaskOptions o) {
        try {
            JsonNode p = body.get("priority");
            if (p != null && !p.isNull()) {
                if (!p.isTextual()) {
                    throw new IllegalArgumentException("field 'priority' must be one of " + Priority.NAMES
                            + " as a string, got " + kind(p));
                }
                o = o.withPriority(Priority.parse(p.asText()));
            }
            JsonNode retries = body.get("maxRetries");
            if (retries != null && !retries.isNull()) {
                if (!retries.canConvertToInt() || !retries.isIntegralNumber() || retries.asInt() < 0
                        || retries.asInt() > 1000) {
                    throw new IllegalArgumentException("field 'maxRetries' must be a whole number from 0 to 1000, got "
                            + retries);
                }
                o = o.withMaxRetries(retries.asInt());
            }
            JsonNode backoff = body.get("retryBackoff");
            if (backoff != null && !backoff.isNull()) {
                if (!backoff.isNumber()) {
                    throw new IllegalArgumentException("field 'retryBackoff' must be a number of at least 1.0, got "
                            + kind(backoff));
                }
                o = o.withRetryBackoff(backoff.asDouble());
            }
            Duration d;
            if ((d = duration(body, "timeout")) != null) {
                o = o.withTimeout(d);
            }
            if ((d = duration(body, "retryDelay")) != null) {
                o = o.withRetryDelay(d);
            }
            if ((d = duration(body, "retryBackoffMax")) != null) {
                o = o.withRetryBackoffMax(d);
            }
            return o;
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    private static Instant notBefore(JsonNode body, Instant now) {
        JsonNode eta = body.get("eta");
        Duration countdown;
        try {
            countdown = duration(body, "countdown");
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        if (eta != null && !eta.isNull()) {
            if (countdown != null) {
                throw ProblemException.badRequest("give either 'countdown' or 'eta', not both");
            }
            if (!eta.isTextual()) {
                throw ProblemException.badRequest("field 'eta' must be an ISO-8601 time with offset such as "
                        + "\"2026-01-31T12:00:00Z\", got " + kind(eta));
            }
            try {
                Instant at = OffsetDateTime.parse(eta.asText()).toInstant();
                if (Duration.between(now, at).compareTo(MAX_COUNTDOWN) > 0) {
                    throw ProblemException.badRequest("field 'eta' lies more than 366 days ahead");
                }
                return at;
            } catch (DateTimeParseException e) {
                throw ProblemException.badRequest("field 'eta' must be an ISO-8601 time with offset such as "
                        + "\"2026-01-31T12:00:00Z\", got \"" + eta.asText() + "\"");
            }
        }
        if (countdown == null) {
            return null;
        }
        if (countdown.compareTo(MAX_COUNTDOWN) > 0) {
            throw ProblemException.badRequest("field 'countdown' must be at most 366 days, got " + countdown);
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
            throw new IllegalArgumentException("field '" + field + "': " + e.getMessage());
        }
        throw new IllegalArgumentException("field '" + field + "' must be seconds as a number or a duration "
                + "string such as \"PT30S\" or \"30s\", got " + kind(node));
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
