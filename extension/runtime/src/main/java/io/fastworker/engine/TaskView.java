package io.fastworker.engine;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskProgress;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a client sees of a task at one moment. Times are UTC instants. {@code result} is set on success,
 * {@code error} on failure (and on the last failed attempt while {@code retrying}); {@code schedule} names the
 * schedule and tick that submitted it (null when a client did); {@code callback} how its completion callback is
 * getting on (null without one); {@code chain} and {@code group} its place in a chain and in a group (null: in none);
 * {@code traceId} the trace its submission started or joined (null when untraced); {@code progress} the latest
 * progress report of the running attempt (null when it is not running or has reported none; never kept across a
 * control-plane restart or a failover). Never carries arguments.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TaskView(String id, String task, TaskState status, Priority priority, int attempts, int maxAttempts,
        @Schema(nullable = true) JsonNode result, @Schema(nullable = true) TaskError error, Instant submittedAt,
        @Schema(nullable = true) Instant scheduledFor, @Schema(nullable = true) Instant startedAt,
        @Schema(nullable = true) Instant finishedAt, @Schema(nullable = true) String worker, List<Attempt> history,
        @Schema(nullable = true) FromSchedule schedule, @Schema(nullable = true) CallbackStatus callback,
        @Schema(nullable = true) ChainStep chain, @Schema(nullable = true) GroupMember group,
        @Schema(nullable = true) String traceId, @Schema(nullable = true) TaskProgress progress) {

    /** The 32-hex trace id of a W3C {@code traceparent} in {@code trace}; null when there is none or it is malformed. */
    static String traceId(java.util.Map<String, String> trace) {
        String parent = trace == null ? null : trace.get("traceparent");
        if (parent == null || parent.length() < 55 || parent.charAt(2) != '-' || parent.charAt(35) != '-') {
            return null;
        }
        String id = parent.substring(3, 35);
        return id.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                && !id.equals("00000000000000000000000000000000") ? id : null;
    }

    /** One execution attempt: where and when it ran, and its error if it failed. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = {"number", "finishedAt"})
    public record Attempt(int number, String worker, Instant startedAt, Instant finishedAt, TaskError error) {
    }
}
