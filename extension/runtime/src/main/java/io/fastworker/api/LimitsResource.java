package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.fastworker.dispatch.Dispatcher;
import io.fastworker.engine.Definitions;
import io.fastworker.engine.TaskQueries;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Limits;
import io.fastworker.limit.Rate;
import io.fastworker.security.Roles;
import io.fastworker.submission.AcceptedTasks;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/**
 * Concurrency and rate limits per task name, enforced by the control plane across every executor: read them, and
 * set or remove the ones set at run time (kept in the task store, so they outlive a restart).
 */
@Tag(name = "Limits", description = "Concurrency and rate limits per task name.")
@Path("/limits")
@Produces(MediaType.APPLICATION_JSON)
public class LimitsResource {

    private static final Logger LOG = Logger.getLogger(LimitsResource.class);
    static final Set<String> FIELDS = Set.of("maxConcurrency", "rateLimit");

    /**
     * A task's limit in force. {@code source}: {@code annotation} ({@code @Task}), {@code config}
     * ({@code fastworker.limits.*}) or {@code api}; {@code running}: its attempts running now; {@code waiting}: its
     * tasks queued.
     */
    @RegisterForReflection
    public record LimitInfo(String task, Integer maxConcurrency, String rateLimit, String source, int running,
            int waiting) {
    }

    @Inject
    Limits limits;

    @Inject
    Definitions definitions;
    @Inject
    TaskQueries queries;

    @Inject
    Dispatcher dispatcher;

    @Inject
    AcceptedTasks accepted;

    @Inject
    SecurityIdentity identity;

    private final ObjectReader reader;

    @Inject
    LimitsResource(ObjectMapper mapper) {
        this.reader = StrictJson.reader(mapper);
    }

    /** Every task with a limit in force, by name. */
    @Operation(operationId = "listLimits", summary = "List limits",
            description = "Every task name with a limit: its concurrency and rate limits, where they come from, and "
                    + "how many run now.")
    @GET
    @RolesAllowed(Roles.READ)
    public List<LimitInfo> list() {
        Map<String, Integer> queued = queries.queuedByTask();
        return limits.list().stream().map(v -> info(v, queued)).toList();
    }

    @APIResponses({
        @APIResponse(responseCode = "200", description = "The task's limit in force",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = LimitInfo.class))),
        @APIResponse(responseCode = "404", description = "The task has no limit")})
    @Operation(operationId = "getLimit", summary = "Get a task's limit",
            description = "The limits of one task name, and how many of it run now.")
    @GET
    @RolesAllowed(Roles.READ)
    @Path("/{task}")
    public LimitInfo get(@PathParam("task") String task) {
        return limits.find(task).map(v -> info(v, queries.queuedByTask()))
                .orElseThrow(() -> new ProblemException(404, "no-limit", "No limit", "task '" + task
                        + "' has no limit; set one with PUT /limits/" + task));
    }

    /**
     * Sets the run-time limit of a task: {@code {"maxConcurrency": 2, "rateLimit": "10/s"}} (either may be left
     * out). It beats the task's configured and {@code @Task} limits until removed.
     */
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = RequestDocuments.Limit.class), examples = {
                @ExampleObject(name = "both", summary = "At most 4 at once and 100 a second",
                        value = "{\"maxConcurrency\": 4, \"rateLimit\": \"100/s\"}")}))
    @APIResponses({
        @APIResponse(responseCode = "200", description = "The limit in force now",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = LimitInfo.class))),
        @APIResponse(responseCode = "400", description = "Not JSON, an unknown field, or a value of the wrong type"),
        @APIResponse(responseCode = "404", description = "No task by that name is registered"),
        @APIResponse(responseCode = "422", description = "A value out of range")})
    @Operation(operationId = "setLimit", summary = "Set a task's limit",
            description = "Sets the concurrency limit, the rate limit or both for a task name, over what its "
                    + "workers announced.")
    @PUT
    @RolesAllowed(Roles.ADMIN)
    @Path("/{task}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<LimitInfo> set(@PathParam("task") String task, String body) throws JsonProcessingException {
        known(task);
        Limit limit = parse(body);
        return Eventually.of(definitions.limit(task, limit)).map(ok -> {
            LOG.infof("Limit of '%s' set to %s by '%s'", task, describe(limit), identity.getPrincipal().getName());
            dispatcher.wake();
            return info(limits.find(task).orElseThrow(), queries.queuedByTask());
        });
    }

    /** Removes the run-time limit of a task: its configured or {@code @Task} limit, if any, holds again. */
    @APIResponses({
        @APIResponse(responseCode = "204", description = "Removed: the configured or announced limit holds again"),
        @APIResponse(responseCode = "404", description = "The task has no limit set through the API")})
    @Operation(operationId = "removeLimit", summary = "Remove a task's limit",
            description = "Drops the limit set through the API; the task name keeps what its workers announced.")
    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Path("/{task}")
    public Uni<Response> remove(@PathParam("task") String task) {
        if (limits.get(task, Limits.Source.API) == null) {
            throw new ProblemException(404, "no-limit", "No limit", "task '" + task + "' has no limit set through "
                    + "the API" + limits.find(task).map(v -> " (its limit comes from " + v.source().wireName()
                            + " and is changed there)").orElse(""));
        }
        return Eventually.of(definitions.limit(task, null)).map(ok -> {
            LOG.infof("Limit of '%s' set through the API removed by '%s'", task, identity.getPrincipal().getName());
            dispatcher.wake();
            return Response.noContent().build();
        });
    }

    private void known(String task) {
        if (!accepted.names().contains(task)) {
            throw new ProblemException(404, "unknown-task", "Unknown task", "no task '" + task + "' is known here; "
                    + "known tasks: " + String.join(", ", accepted.names()), Map.of("knownTasks", accepted.names()));
        }
    }

    private Limit parse(String body) throws JsonProcessingException {
        JsonNode o = StrictJson.read(reader, body, "{\"maxConcurrency\": 2} and/or {\"rateLimit\": \"10/s\"}");
        if (!o.isObject()) {
            throw ProblemException.badRequest("the body must be a JSON object such as {\"maxConcurrency\": 2, "
                    + "\"rateLimit\": \"10/s\"}");
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw ProblemException.badRequest("unknown field '" + f + "'; a limit has maxConcurrency and "
                        + "rateLimit");
            }
        }
        Integer concurrency = null;
        JsonNode mc = o.get("maxConcurrency");
        if (mc != null && !mc.isNull()) {
            if (!mc.isIntegralNumber() || !mc.canConvertToInt()) {
                throw ProblemException.badRequest("maxConcurrency must be a whole number from 1 to "
                        + Limit.MAX_CONCURRENCY + ", got " + mc);
            }
            concurrency = mc.intValue();
        }
        Rate rate = null;
        JsonNode r = o.get("rateLimit");
        if (r != null && !r.isNull()) {
            if (!r.isTextual()) {
                throw ProblemException.badRequest("rateLimit must be a string such as \"100/s\", got " + r);
            }
            try {
                rate = Rate.parse(r.asText());
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("rateLimit: " + e.getMessage());
            }
        }
        try {
            return new Limit(concurrency, rate);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage() + (concurrency == null && rate == null
                    ? "; to remove a limit use DELETE /limits/{task}" : ""));
        }
    }

    private static LimitInfo info(Limits.View v, Map<String, Integer> queued) {
        return new LimitInfo(v.task(), v.limit().maxConcurrency(), v.limit().rate() == null ? null
                : v.limit().rate().toString(), v.source().wireName(), v.running(), queued.getOrDefault(v.task(), 0));
    }

    private static String describe(Limit l) {
        return (l.maxConcurrency() == null ? "" : "maxConcurrency=" + l.maxConcurrency())
                + (l.maxConcurrency() != null && l.rate() != null ? ", " : "")
                + (l.rate() == null ? "" : "rateLimit=" + l.rate());
    }
}
