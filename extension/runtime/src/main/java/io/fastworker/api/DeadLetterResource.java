package io.fastworker.api;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.Admission;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskPage;
import io.fastworker.engine.TaskQueries;
import io.fastworker.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * Failed tasks kept after their result would expire ({@code fastworker.dead-letters.*}): listed, filtered and paged
 * here, replayed one with {@code POST /tasks/{id}/retry} or all that match here, deleted here.
 */
@Tag(name = "Dead letters", description = "Tasks that failed for good, kept for inspection and replay.")
@Path("/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public class DeadLetterResource {

    @Inject
    TaskEngine engine;
    @Inject
    TaskQueries queries;

    @Inject
    Admission admission;

    @Inject
    CommittedViews committed;

    @Inject
    FastWorkerConfig.Api apiSettings;

    @Inject
    SecurityIdentity identity;

    private static final Logger LOG = Logger.getLogger(DeadLetterResource.class);

    /** {@code {"total": n, "items": [task, ...]}}, newest failure first. */
    @APIResponses({
        @APIResponse(responseCode = "200", description = "A page of failed tasks, newest failure first, and how many "
                + "match in all",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskPage.class))),
        @APIResponse(responseCode = "400", description = "A bad filter, offset or limit"),
        @APIResponse(responseCode = "503", description = "A cluster's leader: a failure on the page is not yet "
                + "confirmed by a majority within 5 s (a dead letter is shown only once committed); Retry-After "
                + "says when to ask again")})
    @Operation(operationId = "listDeadLetters", summary = "List dead letters",
            description = "Failed tasks, newest first, filtered by task name, error type and time, a page at a time.")
    @GET
    @RolesAllowed(Roles.READ)
    public Uni<TaskPage> list(@BeanParam DeadLetterFilter filter,
            @Parameter(description = "How many of the latest failures to skip first (default 0)",
                    schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("offset") String offset,
            @Parameter(description = "How many to list, 1 to fastworker.api.history-limit (default 100, or that "
                    + "limit if lower)",
                    schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limit) {
        int max = apiSettings.historyLimit();
        return committed.of(matching(filter, QueryParams.integer("offset", offset, 0, Integer.MAX_VALUE, 0),
                QueryParams.integer("limit", limit, 1, max, Math.min(100, max))));
    }

    /** Most dead letters one {@code POST /dead-letters/retry} queues again. */
    static final int MAX_RETRY = 10_000;

    /**
     * Dead letters queued again by one {@code POST /dead-letters/retry}: how many, their ids, and how many that
     * matched were left as they are (beyond the limit, queued again by another request meanwhile, or once the queue
     * was full): call again to go on.
     */
    @Schema(name = "DeadLettersRetried", description = "Dead letters queued again: how many, their ids, and how many "
            + "that matched were left as they are (call again to go on)")
    public record Retried(int count, List<String> ids, int remaining) {
    }

    /**
     * Queues again every dead letter that matches the filters of {@code GET /dead-letters}, newest failure first, at
     * most {@code limit} (10,000) of them: {@code 202} with {@code {count, ids, remaining}}.
     */
    @APIResponses({
        @APIResponse(responseCode = "202", description = "Queued again: how many, their ids, and how many that "
                + "matched are left (call again to go on)",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = Retried.class))),
        @APIResponse(responseCode = "400", description = "A bad filter or limit"),
        @APIResponse(responseCode = "429", description = "The queue is full: nothing was queued again"),
        @APIResponse(responseCode = "503", description = "The control plane is not accepting tasks")})
    @Operation(operationId = "retryDeadLetters", summary = "Retry dead letters",
            description = "Replays every failed task that matches the filters of GET /dead-letters, as POST "
                    + "/tasks/{id}/retry replays one, newest failure first, at most limit (up to 10000) per call. "
                    + "Each replay is recorded before the answer; a task replayed once is no longer a dead letter, so "
                    + "calling again goes on with the rest.")
    @POST
    @RolesAllowed(Roles.ADMIN)
    @Path("/retry")
    public Uni<Response> retry(@BeanParam DeadLetterFilter filter,
            @Parameter(description = "At most this many replayed, 1 to 10,000 (default 10,000)",
                    schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limit) {
        TaskPage matching = matching(filter, 0, QueryParams.integer("limit", limit, 1, MAX_RETRY, MAX_RETRY));
        Map<String, Instant> failures = new LinkedHashMap<>();
        matching.items().forEach(t -> failures.put(t.id(), t.finishedAt()));
        String by = identity.getPrincipal().getName();
        return Eventually.of(admission.retryAll(failures)).map(done -> {
            LOG.infof("Dead letters: %d of %d matching queued again for a retry by '%s'", done.size(),
                    matching.total(), by);
            return Response.accepted(new Retried(done.size(), done, matching.total() - done.size())).build();
        });
    }

    /** Forgets a dead letter: {@code 204}, or {@code 404} when there is none. */
    @APIResponses({
        @APIResponse(responseCode = "204", description = "Forgotten"),
        @APIResponse(responseCode = "404", description = "No failed task by that id is kept")})
    @Operation(operationId = "deleteDeadLetter", summary = "Delete a dead letter",
            description = "Forgets one failed task; 404 when it is not a dead letter.")
    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Path("/{id}")
    public Response delete(@PathParam("id") String id) {
        if (!engine.deleteDeadLetter(id)) {
            throw new ProblemException(404, "dead-letter-not-found", "Dead letter not found", "no failed task '"
                    + id + "' is kept as a dead letter", Map.of());
        }
        LOG.infof("Task(id=%s) dead letter deleted by '%s'", id, identity.getPrincipal().getName());
        return Response.noContent().build();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** The dead letters the four filters select (the same for listing and for replaying), a page of them. */
    private TaskPage matching(DeadLetterFilter f, int offset, int limit) {
        return queries.deadLetters(blankToNull(f.task), blankToNull(f.errorType), instant("since", f.since),
                instant("until", f.until), offset, limit);
    }

    private static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value.trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("query parameter '" + name + "' must be an ISO-8601 time with an "
                    + "offset, e.g. 2026-11-27T12:00:00Z, got '" + value + "'");
        }
    }
}
