package io.fastworker.api;

import io.fastworker.dispatch.Dispatcher;
import io.fastworker.engine.TaskQueries;
import io.fastworker.limit.Limits;
import io.fastworker.security.Roles;
import io.fastworker.task.Priority;
import io.fastworker.telemetry.Activity;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The queue at a glance, as the dashboard's overview shows it: the last ten minutes of activity one second at a
 * time, the ready queue's depth per priority, and the queued tasks nothing can start now (held by their limit, or
 * offered by no executor).
 */
@Tag(name = "Overview", description = "What the dashboard shows: activity, queues and why tasks wait.")
@Path("/overview")
@Produces(MediaType.APPLICATION_JSON)
public class OverviewResource {

    /** Queued tasks of one task name that wait, and why: {@code limit} or {@code no-worker}. */
    @RegisterForReflection
    public record Waiting(String task, int queued, String reason) {
    }

    /**
     * {@code samples}: one per second, oldest first, those after {@code since}; {@code queued}: depth per priority
     * now; {@code waiting}: task names whose queued tasks cannot start now.
     */
    @RegisterForReflection
    public record Overview(long at, List<Activity.Sample> samples, Map<String, Integer> queued,
            List<Waiting> waiting) {
    }

    @Inject
    Activity activity;

    @Inject
    TaskQueries queries;

    @Inject
    Limits limits;

    @Inject
    Dispatcher dispatcher;

    /** {@code ?since=<epoch ms>} returns only the samples taken after it (what a page already has is not sent again). */
    @Operation(operationId = "getOverview", summary = "Get the overview",
            description = "Recent activity samples, queued counts by task and why the oldest waiting tasks wait.")
    @GET
    @RolesAllowed(Roles.READ)
    public Overview overview(@Parameter(description = "Only samples taken after this time (epoch milliseconds)",
            schema = @Schema(type = SchemaType.INTEGER, format = "int64")) @QueryParam("since") String since) {
        long after = QueryParams.number("since", since, 0, Long.MAX_VALUE, 0);
        Map<String, Integer> queued = new LinkedHashMap<>();
        for (Priority p : Priority.values()) {
            queued.put(p.wireName(), queries.depth(p));
        }
        List<Waiting> waiting = new ArrayList<>();
        Set<String> offered = dispatcher.offered();
        queries.queuedByTask().forEach((task, n) -> {
            if (!offered.contains(task)) {
                waiting.add(new Waiting(task, n, "no-worker"));
            } else if (limits.blocked(task)) {
                waiting.add(new Waiting(task, n, "limit"));
            }
        });
        waiting.sort(java.util.Comparator.comparing(Waiting::task));
        return new Overview(System.currentTimeMillis(), activity.since(after), queued, waiting);
    }
}
