package io.fastworker.submission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.ChainStep;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskSpec;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Turns a JSON submission into a {@link TaskSpec}, or refuses it with an {@link InvalidSubmissionException} that
 * names the field and the fix; the same rules hold for a client's submission, a schedule's tick and a chain's next
 * step. When the task's parameters are known (its definition here, or a subworker's announcement), arguments that
 * cannot bind to them are refused here rather than failing later.
 */
@ApplicationScoped
public class SubmissionParser {

    /** The fields a submission may have. */
    public static final Set<String> FIELDS = Set.of("id", "task", "args", "kwargs", "priority", "countdown", "eta",
            "maxRetries", "timeout", "retryDelay", "retryBackoff", "retryBackoffMax", "idempotencyKey", "callback",
            "then");
    /** Most steps a chain may have. */
    public static final int MAX_CHAIN = 100;

    @Inject
    AcceptedTasks accepted;

    @Inject
    CallbackField callbacks;

    @Inject
    FastWorkerConfig.Api api;

    /** Parses one entry of a list; refusals it throws are prefixed with the entry's index. */
    @FunctionalInterface
    public interface Entry {
        Submission parse(int index, JsonNode node);
    }

    /**
     * Every entry of {@code array} (at most {@code fastworker.api.max-batch-size} of them), all or none: the first
     * bad entry refuses the whole list, naming its index.
     */
    public List<Submission> entries(JsonNode array, ListKind kind, Entry entry) {
        int max = api.maxBatchSize();
        if (array.size() > max) {
            throw InvalidSubmissionException.invalid("a " + kind.whole + " may hold at most " + max + " "
                    + kind.items + " (fastworker.api.max-batch-size), got " + array.size());
        }
        List<Submission> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            try {
                out.add(entry.parse(i, array.get(i)));
            } catch (InvalidSubmissionException e) {
                Map<String, Object> extra = e.extensions();
                if (kind.indexExtension) {
                    extra = new LinkedHashMap<>(extra);
                    extra.put("index", i);
                }
                throw e.within(kind.item + " " + i + ": ", "; " + kind.nothingAccepted, extra, array.size());
            }
        }
        return out;
    }

    /**
     * A submission with its idempotency key: {@code headerKey} (the {@code Idempotency-Key} header) or the body's
     * {@code idempotencyKey} field; the request's fingerprint is its JSON without that field, keys sorted.
     */
    public Submission submission(JsonNode body, Instant now, String headerKey) {
        TaskSpec spec = parse(body, now);
        JsonNode field = body.get("idempotencyKey");
        String key = headerKey;
        if (field != null && !field.isNull()) {
            if (!field.isTextual()) {
                throw InvalidSubmissionException.invalid("field 'idempotencyKey' must be a string, got "
                        + OptionFields.kind(field));
            }
            if (headerKey != null && !headerKey.equals(field.asText())) {
                throw InvalidSubmissionException.invalid("the Idempotency-Key header and the field 'idempotencyKey' "
                        + "differ; send the key once");
            }
            key = field.asText();
        }
        if (key == null) {
            return new Submission(spec, null, null, body.hasNonNull("id"));
        }
        IdempotencyKeys.check(key);
        ObjectNode request = ((ObjectNode) body).deepCopy();
        request.remove("idempotencyKey");
        return new Submission(spec, key, IdempotencyKeys.fingerprint(request), body.hasNonNull("id"));
    }

    /** One submission as the task it asks for; {@code now} is the time its countdown counts from. */
    public TaskSpec parse(JsonNode body, Instant now) {
        if (body == null || !body.isObject()) {
            throw InvalidSubmissionException.invalid("a submission must be a JSON object like "
                    + "{\"task\": \"add\", \"args\": [5, 3]}, got " + OptionFields.kind(body));
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw InvalidSubmissionException.invalid("unknown field '" + field + "'; a submission may have: "
                        + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        }
        TaskDefinition definition = definition(body.get("task"));
        String name = definition.name();
        ArrayNode args = OptionFields.optional(body, "args", JsonNode::isArray, "a JSON array", ArrayNode.class,
                JsonNodeFactory.instance.arrayNode());
        ObjectNode kwargs = OptionFields.optional(body, "kwargs", JsonNode::isObject, "a JSON object",
                ObjectNode.class, JsonNodeFactory.instance.objectNode());
        TaskOptions options;
        try {
            options = definition.defaults().merge(OptionFields.overrides(body));
        } catch (IllegalArgumentException e) {
            throw InvalidSubmissionException.invalid("field " + e.getMessage());
        }
        String id = id(body);
        Instant notBefore = OptionFields.notBefore(body, now);
        definition.parameters().ifPresent(params -> Arguments.checkBinding(name, params, args, kwargs));
        TaskSpec spec = new TaskSpec(id, name, args, kwargs, options, notBefore)
                .withCallback(callbacks.read(body.get("callback")));
        JsonNode then = body.get("then");
        if (then == null || then.isNull()) {
            return spec;
        }
        int steps = 1 + checkedThen(then, now, 1);
        return spec.followedBy((ObjectNode) then.deepCopy(), new ChainStep(id, 0, steps));
    }

    private TaskDefinition definition(JsonNode task) {
        if (task == null || !task.isTextual() || task.asText().isBlank()) {
            throw InvalidSubmissionException.invalid("field 'task' is required and must be the name of a task as a "
                    + "string; known tasks: " + knownNames());
        }
        String name = task.asText();
        return accepted.definition(name).orElseThrow(() -> InvalidSubmissionException.of("unknown-task",
                "Unknown task", "no task named '" + name + "' is registered; known tasks: " + knownNames(),
                Map.of("knownTasks", accepted.names().toArray(String[]::new))));
    }

    /**
     * Checks the {@code then} of a chain's step {@code step - 1} (and the ones it nests) as the submissions they
     * become, with the result of the step before as their first argument; returns how many steps follow.
     */
    public int checkedThen(JsonNode then, Instant now, int step) {
        if (!then.isObject()) {
            throw InvalidSubmissionException.invalid("field 'then' must be a submission object such as {\"task\": "
                    + "\"add\", \"args\": [10]}; the result of the task before is put in front of its args");
        }
        if (step >= MAX_CHAIN) {
            throw InvalidSubmissionException.invalid("a chain may have at most " + MAX_CHAIN + " steps");
        }
        for (String f : List.of("id", "idempotencyKey")) {
            if (then.has(f)) {
                throw InvalidSubmissionException.invalid("'then' (step " + step + ") may not have '" + f + "': a "
                        + "chain's steps get their ids from its first task's, as <id>:then-<step>");
            }
        }
        ObjectNode probe = ((ObjectNode) then).deepCopy();
        ArrayNode args = probe.putArray("args");
        args.addNull(); // the result of the step before
        JsonNode given = then.get("args");
        if (given != null && given.isArray()) {
            args.addAll((ArrayNode) given);
        } else if (given != null && !given.isNull()) {
            throw InvalidSubmissionException.invalid("'then' (step " + step + "): field 'args' must be a JSON array");
        }
        probe.remove("then");
        try {
            parse(probe, now);
        } catch (InvalidSubmissionException e) {
            throw e.within("'then' (step " + step + "): ", "", e.extensions(), e.tasks());
        }
        JsonNode next = then.get("then");
        return next == null || next.isNull() ? 1 : 1 + checkedThen(next, now, step + 1);
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
            throw InvalidSubmissionException.invalid("field 'id' must be a string, got " + OptionFields.kind(node));
        }
        try {
            TaskSpec.checkId(node.asText());
        } catch (IllegalArgumentException e) {
            throw InvalidSubmissionException.invalid("field 'id': " + e.getMessage());
        }
        return node.asText();
    }

    /** What a JSON value is, for a refusal: {@code string}, {@code number}, {@code nothing}... */
    public static String kind(JsonNode node) {
        return OptionFields.kind(node);
    }
}
