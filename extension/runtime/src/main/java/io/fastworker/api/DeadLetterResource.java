package io.fastworker.api;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskPage;
import io.fastworker.engine.TaskQueries;
import io.fastworker.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * Failed tasks kept after their result would expire ({@code fastworker.dead-letters.*}): listed, filtered and paged
 * here, replayed with {@code POST /tasks/{id}/retry}, deleted here.
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
    FastWorkerConfig.Api apiSettings;

    @Inject
    SecurityIdentity identity;

    private static final Logger LOG = Logger.getLogger(DeadLetterResource.class);

    /** {@code {"total": n, "items": [task, ...]}}, newest failure first. */
    @Operation(operationId = "listDeadLetters", summary = "List dead letters",
            description = "Failed tasks, newest first, filtered by task name, error type and time, a page at a time.")
    @GET
    @RolesAllowed(Roles.READ)
    public TaskPage list(@QueryParam("task") String task, @QueryParam("errorType") String errorType,
            @QueryParam("since") String since, @QueryParam("until") String until, @QueryParam("offset") String offset,
            @QueryParam("limit") String limit) {
        int max = apiSettings.historyLimit();
        return queries.deadLetters(blankToNull(task), blankToNull(errorType), instant("since", since),
                instant("until", until), QueryParams.integer("offset", offset, 0, Integer.MAX_VALUE, 0),
                QueryParams.integer("limit", limit, 1, max, Math.min(100, max)));
    }

    /** Forgets a dead letter: {@code 204}, or {@code 404} when there is none. */
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
