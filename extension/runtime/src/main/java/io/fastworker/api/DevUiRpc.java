package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.engine.TaskQueries;
import io.fastworker.submission.LocalSubmissions;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;

/**
 * What the Dev UI card asks in {@code quarkus dev} (JSON-RPC, registered only in dev mode): the registered tasks, a
 * submission, the recent tasks. A submission is held to the rules of {@code POST /tasks}; a refusal comes back as
 * its message, never as a task.
 */
public class DevUiRpc {

    /** How many recent tasks the card lists. */
    static final int RECENT = 20;

    /** A submission's outcome: the task's id, or why it was refused. */
    public record Submitted(String id, String error) {
    }

    @Inject
    Registered registered;

    @Inject
    LocalSubmissions submissions;

    @Inject
    TaskQueries queries;

    @Inject
    ObjectMapper json;

    /** Every task this control plane accepts, with its parameters and options, as {@code GET /registry} has them. */
    public List<Map<String, Object>> registered() {
        return plain(registered.tasks());
    }

    /**
     * Submits {@code task} with {@code args}: a JSON array binds in order, a JSON object by parameter name, nothing
     * means no arguments.
     */
    public Submitted submit(String task, String args) {
        ObjectNode body = json.createObjectNode().put("task", task);
        if (args != null && !args.isBlank()) {
            JsonNode parsed;
            try {
                parsed = json.readTree(args);
            } catch (JsonProcessingException e) {
                parsed = null;
            }
            if (parsed == null || !(parsed.isArray() || parsed.isObject())) {
                return new Submitted(null, "the arguments must be a JSON array, such as [5, 3], or a JSON object of "
                        + "parameter names, such as {\"x\": 5}");
            }
            body.set(parsed.isArray() ? "args" : "kwargs", parsed);
        }
        try {
            return new Submitted(submissions.submit(body), null);
        } catch (RuntimeException e) {
            return new Submitted(null, e.getMessage());
        }
    }

    /** The most recently submitted tasks, newest first, with their results, as {@code GET /tasks} has them. */
    public List<Map<String, Object>> recent() {
        return plain(queries.recent(null, null, 0, RECENT).items());
    }

    /** Values as the HTTP API writes them, in plain maps and lists, which the Dev UI's JSON writer keeps as such. */
    private List<Map<String, Object>> plain(List<?> values) {
        return json.convertValue(values, new TypeReference<List<Map<String, Object>>>() {
        });
    }
}
