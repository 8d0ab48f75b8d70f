package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.schedule.Schedule;
import io.fastworker.schedule.Schedules;
import io.fastworker.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/** Periodic schedules: list, make, replace, delete, pause and resume. */
@Tag(name = "Schedules", description = "Periodic tasks: cron expressions or fixed intervals.")
@Path("/schedules")
@Produces(MediaType.APPLICATION_JSON)
public class SchedulesResource {

    private static final Logger LOG = Logger.getLogger(SchedulesResource.class);

    @Inject
    Schedules schedules;

    @Inject
    SecurityIdentity identity;

    private final ObjectReader reader;

    @Inject
    SchedulesResource(ObjectMapper mapper) {
        this.reader = StrictJson.reader(mapper);
    }

    /**
     * Every schedule, by id: its definition, {@code source} ({@code annotation}, {@code config} or {@code api}),
     * {@code paused}, {@code nextFireAt} and {@code lastRun} ({@code tick}, {@code taskId}, {@code status}; the
     * status is null once the task is no longer kept).
     */
    @Operation(operationId = "listSchedules", summary = "List schedules",
            description = "Every schedule with its next run and whether it is paused.")
    @GET
    @RolesAllowed(Roles.READ)
    public List<ScheduleView> list() {
        return schedules.list().stream().map(ScheduleView::of).toList();
    }

    @APIResponses({
        @APIResponse(responseCode = "200", description = "The schedule",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = ScheduleView.class))),
        @APIResponse(responseCode = "404", description = "No such schedule")})
    @Operation(operationId = "getSchedule", summary = "Get a schedule",
            description = "One schedule; 404 for an unknown id.")
    @GET
    @RolesAllowed(Roles.READ)
    @Path("/{id}")
    public ScheduleView get(@PathParam("id") String id) {
        return schedules.find(id).map(ScheduleView::of).orElseThrow(() -> notFound(id));
    }

    /** Makes a schedule: {@code 201} with it; {@code 409} if its id is taken. */
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = RequestDocuments.Schedule.class), examples = {
                @ExampleObject(name = "nightly-report", summary = "Weekdays at 3:00 in Berlin",
                        value = "{\"id\": \"nightly-report\", \"task\": \"send_welcome_email\", \"args\": [\"ops\"], "
                                + "\"priority\": \"low\", \"cron\": \"0 3 * * 1-5\", \"timezone\": \"Europe/Berlin\", "
                                + "\"missed\": \"catch-up-once\", \"overlap\": \"skip-if-running\"}"),
                @ExampleObject(name = "heartbeat", summary = "Every 30 seconds",
                        value = "{\"id\": \"heartbeat\", \"task\": \"noop\", \"every\": \"30s\"}")}))
    @APIResponses({
        @APIResponse(responseCode = "201", description = "Made: the schedule",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = ScheduleView.class))),
        @APIResponse(responseCode = "400", description = "Not JSON, an unknown field, or a bad value"),
        @APIResponse(responseCode = "409", description = "The id is taken, or the most schedules are kept"),
        @APIResponse(responseCode = "422", description = "A value out of range")})
    @Operation(operationId = "createSchedule", summary = "Create a schedule",
            description = "Adds a schedule that submits its task on a cron expression or every interval; 201 with "
                    + "the schedule.")
    @POST
    @RolesAllowed(Roles.ADMIN)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(String body) throws JsonProcessingException {
        Schedule s = parse(read(body), null);
        return Eventually.of(schedules.save(s, false)).map(v -> {
            LOG.infof("Schedule '%s' made by '%s'", s.id(), who());
            return Response.created(URI.create("/schedules/" + s.id())).entity(ScheduleView.of(v)).build();
        });
    }

    /** Makes or replaces the schedule {@code id} ({@code 201} or {@code 200}). */
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = RequestDocuments.Schedule.class), examples = {
                @ExampleObject(name = "every-minute", summary = "Replace it (or make it) to run noop every minute",
                        value = "{\"task\": \"noop\", \"every\": \"1m\"}")}))
    @APIResponses({
        @APIResponse(responseCode = "200", description = "Replaced: the schedule",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = ScheduleView.class))),
        @APIResponse(responseCode = "201", description = "Made: the schedule",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = ScheduleView.class))),
        @APIResponse(responseCode = "400", description = "Not JSON, an unknown field, or a bad value"),
        @APIResponse(responseCode = "409", description = "Not made through the API, or the most schedules are kept"),
        @APIResponse(responseCode = "422", description = "A value out of range")})
    @Operation(operationId = "replaceSchedule", summary = "Replace a schedule",
            description = "Replaces a schedule's definition, keeping its id.")
    @PUT
    @RolesAllowed(Roles.ADMIN)
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> replace(@PathParam("id") String id, String body) throws JsonProcessingException {
        Schedule s = parse(read(body), id);
        boolean existed = schedules.find(id).isPresent();
        return Eventually.of(schedules.save(s, true)).map(v -> {
            LOG.infof("Schedule '%s' %s by '%s'", id, existed ? "replaced" : "made", who());
            return (existed ? Response.ok() : Response.created(URI.create("/schedules/" + id)))
                    .entity(ScheduleView.of(v))
                    .build();
        });
    }

    @APIResponses({
        @APIResponse(responseCode = "204", description = "Deleted"),
        @APIResponse(responseCode = "404", description = "No such schedule"),
        @APIResponse(responseCode = "409", description = "Not made through the API")})
    @Operation(operationId = "deleteSchedule", summary = "Delete a schedule",
            description = "Removes a schedule; tasks it already submitted are not touched.")
    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Path("/{id}")
    public Uni<Response> delete(@PathParam("id") String id) {
        return Eventually.of(schedules.delete(id)).map(deleted -> {
            if (!deleted) {
                throw notFound(id);
            }
            LOG.infof("Schedule '%s' deleted by '%s'", id, who());
            return Response.noContent().build();
        });
    }

    /** Pauses a schedule: its ticks are skipped until it is resumed. */
    @APIResponses({
        @APIResponse(responseCode = "200", description = "Paused: the schedule",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = ScheduleView.class))),
        @APIResponse(responseCode = "404", description = "No such schedule")})
    @Operation(operationId = "pauseSchedule", summary = "Pause a schedule",
            description = "Stops a schedule from submitting until it is resumed.")
    @POST
    @RolesAllowed(Roles.ADMIN)
    @Path("/{id}/pause")
    public Uni<ScheduleView> pause(@PathParam("id") String id) {
        return pause(id, true);
    }

    /** Resumes a paused schedule with its next tick (the ticks while paused are not made up). */
    @APIResponses({
        @APIResponse(responseCode = "200", description = "Resumed: the schedule",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = ScheduleView.class))),
        @APIResponse(responseCode = "404", description = "No such schedule")})
    @Operation(operationId = "resumeSchedule", summary = "Resume a schedule",
            description = "Lets a paused schedule submit again, from its next due time.")
    @POST
    @RolesAllowed(Roles.ADMIN)
    @Path("/{id}/resume")
    public Uni<ScheduleView> resume(@PathParam("id") String id) {
        return pause(id, false);
    }

    private Uni<ScheduleView> pause(String id, boolean paused) {
        CompletableFuture<Schedules.View> changed = schedules.pause(id, paused).orElseThrow(() -> notFound(id));
        return Eventually.of(changed).map(v -> {
            LOG.infof("Schedule '%s' %s by '%s'", id, paused ? "paused" : "resumed", who());
            return ScheduleView.of(v);
        });
    }

    private String who() {
        return identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName();
    }

    private JsonNode read(String body) throws JsonProcessingException {
        return StrictJson.read(reader, body, "a schedule such as {\"id\": \"nightly-report\", \"task\": \"report\", "
                + "\"cron\": \"0 3 * * 1-5\", \"timezone\": \"Europe/Berlin\"}");
    }

    private Schedule parse(JsonNode body, String pathId) {
        if (pathId != null && body.isObject()) {
            JsonNode id = body.get("id");
            if (id == null || id.isNull()) {
                ((ObjectNode) body).put("id", pathId);
            } else if (!id.isTextual() || !id.asText().equals(pathId)) {
                throw ProblemException.badRequest("the body's id " + id + " differs from the path's '" + pathId
                        + "'; leave it out or make them the same");
            }
        }
        try {
            return Schedule.parse(body, Schedule.Source.API);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(404, "schedule-not-found", "Schedule not found", "no schedule '" + id
                + "' is known; GET /schedules lists them");
    }

}
