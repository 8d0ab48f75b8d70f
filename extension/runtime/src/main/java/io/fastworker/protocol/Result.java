package io.fastworker.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The end of one attempt ({@code fastworker.link.result}): its task and attempt, how it ended, and the slots the
 * subworker frees with it ({@code credits}). A body holds one result, or several as {@code {"results": [...]}}.
 */
public record Result(String taskId, int attempt, Outcome outcome, int credits) {

    /** The error types a subworker may report; any other is recorded as {@code task_error}. */
    public static final Set<String> ERROR_TYPES = Set.of(TaskError.TASK_ERROR, TaskError.TIMEOUT,
            TaskError.BAD_ARGUMENTS, TaskError.BAD_RESULT, TaskError.SHUTDOWN, TaskError.CANCELLED);

    public Result {
        if (outcome == null) {
            throw new IllegalArgumentException("a result has an outcome");
        }
    }

    /** The same result with other credits. */
    public Result withCredits(int n) {
        return new Result(taskId, attempt, outcome, n);
    }

    /**
     * The results a body holds.
     *
     * @throws MalformedMessageException a result of the wrong shape
     */
    public static List<Result> readAll(JsonNode body) {
        JsonNode batch = body.get("results");
        if (batch == null || !batch.isArray()) {
            return List.of(read(body));
        }
        List<Result> out = new ArrayList<>(batch.size());
        for (JsonNode item : batch) {
            if (!item.isObject()) {
                throw new MalformedMessageException("each of 'results' must be a JSON object");
            }
            out.add(read(item));
        }
        return out;
    }

    /** One result; an error of an unknown type counts as {@code task_error}, a missing message as empty. */
    static Result read(JsonNode r) {
        String taskId = Fields.optionalText(r, "taskId");
        int attempt = Fields.count(r, "attempt");
        int credits = Fields.count(r, "credits");
        if (r.path("ok").asBoolean(false) && r.path("ok").isBoolean()) {
            JsonNode result = r.get("result");
            return new Result(taskId, attempt, Outcome.success(result == null || result.isMissingNode() ? null
                    : result), credits);
        }
        JsonNode e = r.path("error");
        String type = e.path("type").isTextual() && ERROR_TYPES.contains(e.get("type").textValue())
                ? e.get("type").textValue() : TaskError.TASK_ERROR;
        return new Result(taskId, attempt, Outcome.failure(new TaskError(type,
                e.path("message").isTextual() ? e.get("message").textValue() : "",
                e.path("exception").isTextual() ? e.get("exception").textValue() : null,
                e.path("nonRetryable").asBoolean(false) && e.path("nonRetryable").isBoolean())), credits);
    }

    /** Writes the result as one JSON object. */
    public void write(JsonGenerator g) throws IOException {
        g.writeStartObject();
        if (taskId != null) {
            g.writeStringField("taskId", taskId);
        }
        g.writeNumberField("attempt", attempt);
        g.writeBooleanField("ok", outcome.ok());
        if (outcome.ok()) {
            g.writeFieldName("result");
            g.writeTree(outcome.result());
        } else {
            TaskError e = outcome.error();
            g.writeObjectFieldStart("error");
            g.writeStringField("type", e.type());
            g.writeStringField("message", e.message());
            if (e.exception() != null) {
                g.writeStringField("exception", e.exception());
            }
            if (Boolean.TRUE.equals(e.nonRetryable())) {
                g.writeBooleanField("nonRetryable", true);
            }
            g.writeEndObject();
        }
        g.writeNumberField("credits", credits);
        g.writeEndObject();
    }
}
