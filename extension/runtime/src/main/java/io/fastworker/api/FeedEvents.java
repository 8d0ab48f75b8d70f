package io.fastworker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What each event of {@code GET /events} carries as its data (one JSON object), by the event's name. */
final class FeedEvents {

    private FeedEvents() {
    }

    /** {@code event: task}: one state change of a task. */
    @Schema(name = "TaskEvent", description = "event: task. One state change of a task; worker once an attempt "
            + "started; result or error on a finished task's event with ?include=result",
            requiredProperties = {"id", "task",
                "status", "attempt", "at"})
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Task(String id, String task, TaskState status, int attempt, String worker, Instant at,
            JsonNode result, TaskError error) {
    }

    /** {@code event: progress}: the latest progress report of a running attempt. */
    @Schema(name = "ProgressEvent", description = "event: progress. A running attempt's progress report (status "
            + "running); at most ten a second per task",
            requiredProperties = {"id", "task", "status", "attempt", "at",
                "fraction"})
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Progress(String id, String task, TaskState status, int attempt, String worker, Instant at,
            @Schema(minimum = "0", maximum = "1") double fraction, String message) {
    }

    /** {@code event: gap}: changes this stream will not send, and why. */
    @Schema(name = "GapEvent", description = "event: gap. Changes no longer kept (first to last event id), or that "
            + "a reader fell behind (the stream then ends), or that the control plane restarted",
            requiredProperties = {
                "detail"})
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Gap(String first, String last, String detail) {
    }
}
