package io.fastworker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.schedule.Schedule;
import io.fastworker.schedule.Schedules;
import io.fastworker.schedule.Timing;
import io.fastworker.task.Priority;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A periodic schedule as {@code /schedules} answers it: what it submits, on which ticks ({@code cron} with its
 * {@code timezone}, or {@code every}; the other null), where it was defined, and how it is getting on.
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
@Schema(name = "Schedule", description = "A periodic schedule: what it submits, on which ticks, and how it is getting "
        + "on")
public record ScheduleView(String id, String task, ArrayNode args, ObjectNode kwargs,
        @Schema(nullable = true, description = "The submissions' priority; null: the task's own") Priority priority,
        @Schema(nullable = true, description = "A cron expression (null for an every schedule)") String cron,
        @Schema(nullable = true, description = "The cron expression's time zone") String timezone,
        @Schema(nullable = true, description = "An ISO-8601 period (null for a cron schedule)") String every,
        @Schema(enumeration = {
            "skip", "catch-up-once"}) String missed,
        @Schema(enumeration = {"allow", "skip-if-running"}) String overlap,
        @Schema(description = "Where it was defined: config, annotation or api") String source, boolean paused,
        @Schema(nullable = true, description = "Its next tick; null while paused") Instant nextFireAt,
        @Schema(nullable = true,
                description = "Its last tick and the task it submitted; null before the first") LastRun lastRun){

    /** A schedule's last tick, the task it submitted and that task's status (null once unknown). */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record LastRun(Instant tick, String taskId, @Schema(nullable = true) String status) {
    }

    static ScheduleView of(Schedules.View v) {
        Schedule s = v.schedule();
        Timing.Cron cron = s.timing() instanceof Timing.Cron c ? c : null;
        Timing.Every every = s.timing() instanceof Timing.Every e ? e : null;
        return new ScheduleView(s.id(), s.task(), s.args().deepCopy(), s.kwargs().deepCopy(), s.priority(),
                cron == null ? null : cron.expression(), cron == null ? null : cron.zone().getId(),
                every == null ? null : every.period().toString(), s.missed().wireName(), s.overlap().wireName(),
                s.source().wireName(), v.paused(), v.nextFireAt(), v.lastTick() == null ? null
                        : new LastRun(v.lastTick(), v.lastTaskId(), v.lastStatus()));
    }
}
