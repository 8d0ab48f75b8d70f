package io.fastworker.api;

import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * The bodies of {@code PUT /limits/{task}}, {@code POST /groups} and the schedules' {@code POST} and {@code PUT}, for
 * the API's description only: the resources read them strictly, refusing a field a record here does not name
 * ({@code RequestDocumentsTest} holds each record to its reader's fields).
 */
final class RequestDocuments {

    private RequestDocuments() {
    }

    @Schema(name = "LimitRequest", description = "A task's run-time limit; either may be left out. An unknown field "
            + "is refused (400).")
    record Limit(
            @Schema(description = "Most attempts of the task running at once, cluster-wide",
                    minimum = "1") Integer maxConcurrency,
            @Schema(description = "Most starts per second, minute or hour: <n>/s, <n>/m or <n>/h",
                    example = "100/s") String rateLimit) {
    }

    @Schema(name = "GroupRequest", description = "Tasks submitted all or none, and a task submitted once all of them "
            + "have succeeded. An unknown field is refused (400).")
    record Group(
            @Schema(description = "The group's id, at most 100 characters; a UUID when left out") String id,
            @Schema(description = "The group's tasks; each gets the id <group>:<index>",
                    required = true) List<SubmissionDocument> tasks,
            @Schema(description = "Submitted once every task has succeeded, with the list of their results put in "
                    + "front of its args") SubmissionDocument then) {
    }

    @Schema(name = "ScheduleRequest", description = "A periodic schedule: task and either cron or every are required. "
            + "An unknown field is refused (400).")
    record Schedule(
            @Schema(description = "The schedule's id (at most 96 characters); in PUT, the path's") String id,
            @Schema(description = "The task's name, as registered", required = true) String task,
            @Schema(description = "Positional arguments of each tick's task") List<Object> args,
            @Schema(description = "Named arguments of each tick's task") Map<String, Object> kwargs,
            @Schema(description = "Each tick's task's priority", enumeration = {
                "critical", "high", "normal", "low"}) String priority,
            @Schema(description = "A 5-field Unix cron expression (minute hour day-of-month month day-of-week)",
                    example = "0 3 * * 1-5") String cron,
            @Schema(description = "An interval instead of cron: ISO-8601 or a number with a unit",
                    example = "30s") String every,
            @Schema(description = "The time zone cron is read in (IANA name)",
                    example = "Europe/Berlin") String timezone,
            @Schema(description = "Ticks missed while no control plane ran", enumeration = {
                "skip", "catch-up-once"}) String missed,
            @Schema(description = "A tick while the last tick's task still runs", enumeration = {
                "allow", "skip-if-running"}) String overlap){
    }
}
