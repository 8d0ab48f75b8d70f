package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.Accepted;
import io.fastworker.engine.Admission;
import io.fastworker.engine.CancelOutcome;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskPage;
import io.fastworker.engine.TaskQueries;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import io.fastworker.security.Roles;
import io.fastworker.submission.IdempotencyKeys;
import io.fastworker.submission.ListKind;
import io.fastworker.submission.SubmissionParser;
import io.fastworker.telemetry.Tracing;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

/** The task API: submit, batch submit, read, wait for, cancel and list tasks. */
@Tag(name = "Tasks", description = "Submit tasks, follow them, cancel and retry them.")
@Path("/tasks")
@Produces(MediaType.APPLICATION_JSON)
public class TaskResource {

    @Inject
    Admission admission;
    @Inject
    TaskEngine engine;
    @Inject
    TaskQueries queries;
    @Inject
    CommittedViews committed;

    @Inject
    SubmissionParser parser;

    @Inject
    FastWorkerConfig.Api apiSettings;

    @Inject
    Tracing tracing;

    @Inject
    Clock clock;

    @Inject
    SecurityIdentity identity;

    @Inject
    ArgumentsAccess arguments;

    private static final Logger LOG = Logger.getLogger(TaskResource.class);

    private final ObjectReader reader;

    @Inject
    TaskResource(ObjectMapper mapper) {
        this.reader = StrictJson.reader(mapper);
    }

    /**
     * Accepts one task: {@code 202} with its id; with {@code ?wait=} up to that long for its end ({@code 200}). A
     * repeat of an earlier request with the same {@code Idempotency-Key}: {@code 200} with that task as it is now.
     */
    @APIResponses({
        @APIResponse(responseCode = "202", description = "Accepted: the task, queued or scheduled",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskView.class)),
                headers = @Header(name = "Location", description = "The task's address",
                        schema = @Schema(type = SchemaType.STRING))),
        @APIResponse(responseCode = "200",
                description = "Finished within ?wait=, or the task an earlier request "
                        + "with the same Idempotency-Key created",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskView.class)),
                headers = @Header(name = "Location", description = "The task's address",
                        schema = @Schema(type = SchemaType.STRING))),
        @APIResponse(responseCode = "400",
                description = "Not a submission this control plane takes: an unknown task, arguments "
                        + "that do not bind, malformed JSON, a bad or unknown field"),
        @APIResponse(responseCode = "409", description = "The client-chosen id is already used"),
        @APIResponse(responseCode = "413", description = "The body is larger than fastworker.api.max-body-size"),
        @APIResponse(responseCode = "415", description = "The body is not JSON"),
        @APIResponse(responseCode = "422", description = "The Idempotency-Key was used for another request"),
        @APIResponse(responseCode = "429",
                description = "The queue is full, by count or by bytes; Retry-After says when to try again"),
        @APIResponse(responseCode = "503",
                description = "The control plane is stopping; or, with ?wait=, a cluster's leader saw the task end "
                        + "but a majority has not confirmed its end within 5 s (the task was accepted: read it "
                        + "with GET /tasks/{id}); Retry-After says when to try again")})
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = SubmissionDocument.class), examples = {
                @ExampleObject(name = "add", summary = "The quick start's first task",
                        value = "{\"task\": \"add\", \"args\": [5, 3]}"),
                @ExampleObject(name = "all-fields", summary = "Every submission field (only task is required)",
                        value = "{\"task\": \"add\", \"args\": [5], \"kwargs\": "
                                + "{\"y\": 3}, \"priority\": \"critical\", "
                                + "\"countdown\": \"PT60S\", \"maxRetries\": 3, "
                                + "\"retryDelay\": \"1s\", \"retryBackoff\": 2, "
                                + "\"retryBackoffMax\": \"1m\", \"timeout\": \"30s\", "
                                + "\"id\": \"optional-client-chosen-id\"}"),
                @ExampleObject(name = "chain", summary = "add(2, 3), then add(5, 10) with its result",
                        value = "{\"task\": \"add\", \"args\": [2, 3], \"then\": "
                                + "{\"task\": \"add\", \"args\": [10]}}")}))
    @Operation(operationId = "submitTask", summary = "Submit a task",
            description = "Accepts a task: 202 with its id and status (queued or scheduled) and Location. With "
                    + "?wait=, waits up to that long: 200 with the finished task, or 202 if it is not done yet. "
                    + "The same Idempotency-Key with the same request gives back the first one's task (200).")
    @POST
    @RolesAllowed(Roles.SUBMIT)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> submit(String body, @Parameter(
            description = "Wait up to this long for the task to finish (a duration: 10s, "
                    + "PT10S, 1.5; at most fastworker.api.max-wait)") @QueryParam("wait") String wait,
            @HeaderParam("Content-Type") String contentType,
            @Parameter(
                    description = "A key that makes the submission safe to repeat "
                            + "(see Submission idempotencyKey)") @HeaderParam("Idempotency-Key") String key)
            throws JsonProcessingException {
        StrictJson.requireContentType(contentType, 1);
        Duration waitFor = waitParam(wait);
        if (key != null) {
            IdempotencyKeys.check(key);
        }
        Submission submission = parser.submission(read(body), clock.instant(), key);
        String id = submission.spec().id();
        return Eventually.of(admission.submit(List.of(submission), tracing.capture())).onItem()
                .transformToUni(answers -> {
                    Accepted answer = answers.get(0);
                    if (answer.repeated()) {
                        Object view = answer.view() != null ? answer.view()
                                : Map.of("id", answer.id(), "task", answer.task(), "detail",
                                        "this task finished and its result is no longer kept");
                        return Uni.createFrom()
                                .item(Response.ok(view).header("Location", "/tasks/" + answer.id()).build());
                    }
                    TaskView accepted = answer.view();
                    if (waitFor == null || waitFor.isZero()) {
                        return Uni.createFrom().item(accepted(accepted));
                    }
                    return Eventually.of(queries.completion(id).orElseThrow())
                            .ifNoItem().after(waitFor)
                            .recoverWithItem(() -> queries.find(id).orElse(accepted))
                            .onItem().transformToUni(committed::of)
                            .map(v -> v.status().isTerminal() ? Response.ok(v).build() : accepted(v));
                });
    }

    /**
     * Accepts a list of tasks, all or none; {@code 202} with their ids in order. An entry may carry an
     * {@code idempotencyKey}; a repeated one gives back the id of the task its first request created.
     */
    @APIResponses({
        @APIResponse(responseCode = "202", description = "Every task accepted: their ids and states, in order",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = BatchAccepted.class))),
        @APIResponse(responseCode = "400",
                description = "An entry is not a submission this control plane takes (index "
                        + "names it), or the batch is empty or too large"),
        @APIResponse(responseCode = "409", description = "An entry's client-chosen id is already used"),
        @APIResponse(responseCode = "413", description = "The body is larger than fastworker.api.max-body-size"),
        @APIResponse(responseCode = "415", description = "The body is not JSON"),
        @APIResponse(responseCode = "422", description = "An entry's idempotencyKey was used for another request"),
        @APIResponse(responseCode = "429",
                description = "The queue has no room for the batch; Retry-After says when to try again"),
        @APIResponse(responseCode = "503",
                description = "The control plane is stopping; Retry-After says when to try again")})
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = SubmissionDocument.class), examples = {
                @ExampleObject(name = "two", summary = "Two tasks in one call",
                        value = "[{\"task\": \"add\", \"args\": [1, 2]}, {\"task\": \"echo\", \"args\": [\"hi\"], "
                                + "\"priority\": \"low\"}]")}))
    @Operation(operationId = "submitTasks", summary = "Submit tasks in one call",
            description = "Accepts every task of the batch or none: 202 with their ids in order, or a problem "
                    + "naming the index of the bad entry.")
    @POST
    @RolesAllowed(Roles.SUBMIT)
    @Path("/batch")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> submitBatch(String body, @HeaderParam("Content-Type") String contentType)
            throws JsonProcessingException {
        StrictJson.requireContentType(contentType, 1);
        JsonNode array = read(body);
        if (array == null || !array.isArray()) {
            throw ProblemException.badRequest("a batch must be a JSON array of submissions, got "
                    + SubmissionParser.kind(array));
        }
        if (array.isEmpty()) {
            throw ProblemException.badRequest("a batch must hold at least one submission");
        }
        Instant now = clock.instant();
        List<Submission> submissions = parser.entries(array, ListKind.BATCH,
                (i, entry) -> parser.submission(entry, now, null));
        return Eventually.of(admission.submit(submissions, tracing.capture()))
                .map(a -> Response.accepted(BatchAccepted.of(a)).build());
    }

    /** A task as it is now; with {@code ?wait=} up to that long for it to finish first. */
    @APIResponses({
        @APIResponse(responseCode = "200", description = "The task as it is now (or once finished, within ?wait=)",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskView.class))),
        @APIResponse(responseCode = "400", description = "A bad ?wait= or ?include="),
        @APIResponse(responseCode = "403", description = "?include=args without the admin role, or with arguments "
                + "hidden (fastworker.api.args-visible=false)"),
        @APIResponse(responseCode = "404", description = "No such task, or its result is no longer kept"),
        @APIResponse(responseCode = "503", description = "A cluster's leader: the task has ended, but a majority "
                + "has not confirmed its end within 5 s (an end is shown only once committed); Retry-After says "
                + "when to ask again")})
    @Operation(operationId = "getTask", summary = "Get a task",
            description = "The task's state, attempts, history and result; with ?wait=, waits up to that long for "
                    + "it to finish. With ?include=args (admin), also the arguments it was submitted with "
                    + "({\"arguments\": {\"args\": [...], \"kwargs\": {...}}}), while they are kept: until it "
                    + "finishes and, once failed, while its dead letter is kept (null otherwise). 404 for an unknown "
                    + "id.")
    @GET
    @RolesAllowed(Roles.READ)
    @Path("/{id}")
    public Uni<Object> get(@PathParam("id") String id, @Parameter(
            description = "Wait up to this long for the task to finish (a duration: 10s, "
                    + "PT10S, 1.5; at most fastworker.api.max-wait)") @QueryParam("wait") String wait,
            @Parameter(
                    description = "args: its arguments too (admin, unless "
                            + "fastworker.api.args-visible is false)") @QueryParam("include") String include) {
        Duration waitFor = waitParam(wait);
        boolean withArguments = arguments.requested(include, identity);
        Uni<TaskView> view = waitFor == null || waitFor.isZero()
                ? Uni.createFrom().item(queries.find(id).orElseThrow(() -> notFound(id)))
                : Eventually.of(queries.completion(id).orElseThrow(() -> notFound(id))).ifNoItem().after(waitFor)
                        .recoverWithItem(() -> queries.find(id).orElseThrow(() -> notFound(id)));
        return view.onItem().transformToUni(committed::of).map(v -> withArguments
                ? new ArgumentsAccess.TaskWithArguments(v, queries.arguments(id).orElse(null)) : v);
    }

    /**
     * Cancels a task that waits (queued, scheduled or retrying): {@code 200}, cancelled. A running one is asked to
     * stop: {@code 202}, {@code cancelling} until its attempt ends, then {@code cancelled} whatever that attempt's
     * outcome. {@code 409} once it has finished.
     */
    @APIResponses({
        @APIResponse(responseCode = "200", description = "Cancelled: the task as it is now",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskView.class))),
        @APIResponse(responseCode = "202", description = "It runs: its executor was asked to stop it; the task, "
                + "cancelling (cancelled once the attempt ends, which may be before this answer is written)",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskView.class))),
        @APIResponse(responseCode = "404", description = "No such task"),
        @APIResponse(responseCode = "409", description = "The task has finished (taskStatus says how)")})
    @Operation(operationId = "cancelTask", summary = "Cancel a task",
            description = "Cancels a queued, scheduled or retrying task (200); a running one is asked to stop (202, "
                    + "status cancelling, then cancelled once its attempt ends); 409 once it has finished, 404 if "
                    + "unknown.")
    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Path("/{id}")
    public Response cancel(@PathParam("id") String id) {
        CancelOutcome outcome = engine.cancel(id);
        String by = identity.getPrincipal().getName();
        return switch (outcome) {
            case CANCELLED -> {
                LOG.infof("Task(id=%s) cancelled by '%s'", id, by);
                yield Response.ok(queries.find(id).orElseThrow(() -> notFound(id))).build();
            }
            case CANCELLING -> {
                LOG.infof("Task(id=%s) asked to stop by '%s'", id, by);
                yield Response.accepted(queries.find(id).orElseThrow(() -> notFound(id))).build();
            }
            case NOT_FOUND -> throw notFound(id);
            case NOT_CANCELLABLE -> {
                TaskState state = queries.find(id).map(TaskView::status).orElse(null);
                throw new ProblemException(409, "not-cancellable", "Task cannot be cancelled", "task '" + id
                        + "' is " + (state == null ? "finished" : state.wireName()) + "; a finished task cannot "
                        + "be cancelled", Map.of("taskStatus", state == null ? "finished" : state.wireName()));
            }
        };
    }

    /**
     * Replays a failed task (kept as a dead letter) as a new attempt of the same task: {@code 202} with it queued
     * again, same id, its history and attempt count going on; {@code 404} if no such failed task is kept,
     * {@code 409} if it has not failed.
     */
    @APIResponses({
        @APIResponse(responseCode = "202", description = "Queued again: the task",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskView.class)),
                headers = @Header(name = "Location", description = "The task's address",
                        schema = @Schema(type = SchemaType.STRING))),
        @APIResponse(responseCode = "404", description = "No such failed task is kept"),
        @APIResponse(responseCode = "409", description = "The task has not failed")})
    @Operation(operationId = "retryTask", summary = "Retry a task",
            description = "Replays a failed task as a new attempt under the same id (its history and attempt count "
                    + "go on): 202; 404 if no such failed task is kept, 409 if it has not failed.")
    @POST
    @RolesAllowed(Roles.ADMIN)
    @Path("/{id}/retry")
    public Uni<Response> retry(@PathParam("id") String id) {
        String by = identity.getPrincipal().getName();
        return Eventually.of(admission.retry(id)).map(view -> {
            LOG.infof("Task(id=%s) queued again for a retry by '%s'", id, by);
            return Response.accepted(view).header("Location", "/tasks/" + id).build();
        });
    }

    /** Most tasks {@code GET /tasks} skips with {@code offset}. */
    static final int MAX_OFFSET = 100_000;

    /**
     * {@code {"total": n, "items": [task, ...]}}: recent tasks, newest first, {@code limit} of them after the
     * {@code offset} newest, and how many match in all; finished ones only while their result is kept.
     */
    @APIResponses({
        @APIResponse(responseCode = "200", description = "A page of tasks, newest first, and how many match in all",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = TaskPage.class))),
        @APIResponse(responseCode = "400", description = "A bad status, limit or offset"),
        @APIResponse(responseCode = "503", description = "A cluster's leader: the page shows tasks that have ended, "
                + "but a majority has not confirmed those ends within 5 s (an end is shown only once committed); "
                + "Retry-After says when to ask again")})
    @Operation(operationId = "listTasks", summary = "List tasks",
            description = "Tasks by status and task name, newest first, a page at a time.")
    @GET
    @RolesAllowed(Roles.READ)
    public Uni<TaskPage> list(@Parameter(
            description = "Only tasks in this status (queued, scheduled, running, "
                    + "cancelling, retrying, success, failure, cancelled)") @QueryParam("status") String status,
            @Parameter(description = "Only tasks of this name") @QueryParam("task") String task,
            @Parameter(
                    description = "How many to list, 1 to fastworker.api.history-limit "
                            + "(default 100, or that limit if lower)",
                    schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("limit") String limit,
            @Parameter(description = "How many of the newest to skip first, 0 to 100,000 (default 0)",
                    schema = @Schema(type = SchemaType.INTEGER)) @QueryParam("offset") String offset) {
        TaskState state = null;
        if (status != null && !status.isBlank()) {
            try {
                state = TaskState.parse(status);
            } catch (IllegalArgumentException e) {
                throw ProblemException.badRequest("query parameter 'status': " + e.getMessage());
            }
        }
        int max = apiSettings.historyLimit();
        int n = QueryParams.integer("limit", limit, 1, max, Math.min(100, max));
        int skip = QueryParams.integer("offset", offset, 0, MAX_OFFSET, 0);
        return committed.of(queries.recent(state, task == null || task.isBlank() ? null : task, skip, n));
    }

    private JsonNode read(String body) throws JsonProcessingException {
        return StrictJson.read(reader, body, "a JSON submission such as {\"task\": \"add\", \"args\": [5, 3]}");
    }

    private Duration waitParam(String wait) {
        return QueryParams.duration("wait", wait, apiSettings.maxWait(), "fastworker.api.max-wait");
    }

    private static Response accepted(TaskView v) {
        return Response.accepted(v).location(URI.create("/tasks/" + v.id())).build();
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(404, "task-not-found", "Task not found", "no task '" + id + "' is known: it "
                + "was never submitted here, or it finished longer ago than fastworker.result-cache.ttl, or it was "
                + "pushed out of the result cache (fastworker.result-cache.size)");
    }
}
