package io.fastworker.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;

/**
 * What a client sees of a task at one moment. Times are UTC instants. {@code result} is set on success,
 * {@code error} on failure (and on the last failed attempt while {@code retrying}); {@code schedule} names the
 * schedule and tick that submitted it (null when a client did); {@code callback} how its completion callback is
 * getting on (null without one); {@code chain} and {@code group} its place in a chain and in a group (null: in none). Never carries arguments.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TaskView(String id, String task, TaskState status, Priority priority, int attempts, int maxAttempts,
        JsonNode result, TaskError error, Instant submittedAt, Instant scheduledFor, Instant startedAt,
        Instant finishedAt, String worker, List<Attempt> history, FromSchedule schedule, CallbackStatus callback,
        ChainStep chain, GroupMember group) {

    /** One execution attempt: where and when it ran, and its error if it failed. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Attempt(int number, String worker, Instant startedAt, Instant finishedAt, TaskError error) {
    }
}
