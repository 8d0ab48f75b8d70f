package io.fastworker.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;

/**
 * What the control plane knows about a task: its status and, once it has ended, its result or error.
 *
 * @param id task id
 * @param task task name
 * @param status {@code scheduled}, {@code queued}, {@code running}, {@code retrying}, {@code success},
 *        {@code failure} or {@code cancelled}
 * @param result the JSON result of a {@code success}, else null
 * @param errorType the failure type of a {@code failure} (e.g. {@code task_error}, {@code timeout}), else null
 * @param errorMessage the failure message of a {@code failure}, else null
 * @param nonRetryable whether the task body said its failure is final (no retry could succeed)
 * @param attempts attempts started so far
 * @param maxAttempts attempts the task may have in all (its retries plus one)
 * @param worker the executor of its latest attempt ({@code control-plane} or a subworker's id), or null
 * @param submittedAt when the control plane accepted the task
 * @param startedAt when its latest attempt started, or null
 * @param finishedAt when it ended, or null
 * @param json the control plane's whole view of the task, as {@code GET /tasks/{id}} returned it (fields newer
 *        than this client included)
 */
public record TaskResult(String id, String task, String status, JsonNode result, String errorType,
        String errorMessage, boolean nonRetryable, int attempts, int maxAttempts, String worker, Instant submittedAt,
        Instant startedAt, Instant finishedAt, JsonNode json) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static TaskResult from(JsonNode view) {
        JsonNode error = view.path("error");
        JsonNode result = view.get("result");
        return new TaskResult(view.path("id").asText(), view.path("task").asText(), view.path("status").asText(),
                result == null || result.isNull() ? null : result,
                error.isObject() ? error.path("type").asText() : null,
                error.isObject() ? error.path("message").asText() : null,
                error.path("nonRetryable").asBoolean(false), view.path("attempts").asInt(),
                view.path("maxAttempts").asInt(), view.hasNonNull("worker") ? view.get("worker").asText() : null,
                instant(view, "submittedAt"), instant(view, "startedAt"), instant(view, "finishedAt"), view);
    }

    private static Instant instant(JsonNode view, String field) {
        JsonNode v = view.get(field);
        return v == null || !v.isTextual() ? null : Instant.parse(v.asText());
    }

    /** Whether the task has ended: success, failure or cancelled. */
    public boolean done() {
        return status.equals("success") || status.equals("failure") || status.equals("cancelled");
    }

    public boolean succeeded() {
        return status.equals("success");
    }

    /**
     * How far its running attempt got, from 0 to 1, as the task body last reported it; empty when the task is not
     * running or has reported nothing.
     */
    public java.util.OptionalDouble progress() {
        JsonNode f = json == null ? null : json.path("progress").get("fraction");
        return f != null && f.isNumber() ? java.util.OptionalDouble.of(f.doubleValue())
                : java.util.OptionalDouble.empty();
    }

    /** The message of its latest progress report; null when there is none. */
    public String progressMessage() {
        JsonNode m = json == null ? null : json.path("progress").get("message");
        return m != null && m.isTextual() ? m.textValue() : null;
    }

    /** The result converted to {@code type} (e.g. {@code Integer.class}); null when there is none. */
    public <T> T resultAs(Class<T> type) {
        return result == null ? null : JSON.convertValue(result, type);
    }
}
