package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.engine.Admission;
import io.fastworker.engine.Definitions;
import io.fastworker.engine.GroupMember;
import io.fastworker.engine.StoredGroup;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskQueries;
import io.fastworker.engine.TaskSpec;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import io.fastworker.security.Roles;
import io.fastworker.submission.InvalidSubmissionException;
import io.fastworker.submission.ListKind;
import io.fastworker.submission.SubmissionParser;
import io.fastworker.telemetry.Tracing;
import io.fastworker.workflow.Groups;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Groups of tasks submitted together, with an optional task that runs once all have succeeded (a chord). */
@Tag(name = "Groups", description = "Tasks submitted together and followed as one.")
@Path("/groups")
@Produces(MediaType.APPLICATION_JSON)
public class GroupsResource {

    static final Set<String> FIELDS = Set.of("id", "tasks", "then");
    /** Longest group id: its tasks' ids ({@code <group>:<index>}) stay within the 128 characters of an id. */
    static final int MAX_ID = 100;

    /** A member or the {@code then} task: its id and status (null: not submitted yet, or no longer kept). */
    @RegisterForReflection
    public record Member(String id, @Schema(nullable = true) TaskState status) {
    }

    /**
     * A group: {@code status} {@code running}, {@code success} (every member succeeded) or {@code failure} (one
     * failed or was cancelled); {@code done} members ended; {@code then} its chord task, if it has one.
     */
    @RegisterForReflection
    public record GroupInfo(String id, String status, int size, int done, int succeeded, List<Member> tasks,
            @Schema(nullable = true) Member then) {
    }

    @Inject
    Admission admission;
    @Inject
    Definitions definitions;
    @Inject
    TaskQueries queries;

    @Inject
    SubmissionParser parser;

    @Inject
    Groups groups;

    @Inject
    Tracing tracing;

    @Inject
    Clock clock;

    private final ObjectReader reader;

    @Inject
    GroupsResource(ObjectMapper mapper) {
        this.reader = StrictJson.reader(mapper);
    }

    /**
     * Accepts a group, all or none: {@code {"id": optional, "tasks": [submissions], "then": optional submission}};
     * {@code 202} with the group id and its members' ids ({@code <group>:<index>}).
     */
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = RequestDocuments.Group.class), examples = {
                @ExampleObject(name = "sums", summary = "Two sums, then echo with both results",
                        value = "{\"id\": \"sums\", \"tasks\": [{\"task\": \"add\", "
                                + "\"args\": [1, 2]}, {\"task\": \"add\", "
                                + "\"args\": [5, 6]}], \"then\": {\"task\": \"echo\"}}")}))
    @APIResponses({
        @APIResponse(responseCode = "202",
                description = "Accepted: the group's id, its tasks' ids and its then task's id",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = com.fasterxml.jackson.databind.node.ObjectNode.class))),
        @APIResponse(responseCode = "400",
                description = "Not JSON, an unknown field, or a bad task (index says which)"),
        @APIResponse(responseCode = "409", description = "The group's id or a task's id is taken"),
        @APIResponse(responseCode = "413", description = "The body is too large"),
        @APIResponse(responseCode = "415", description = "The body is not application/json"),
        @APIResponse(responseCode = "422", description = "A value out of range"),
        @APIResponse(responseCode = "429", description = "The queue is full"),
        @APIResponse(responseCode = "503", description = "The control plane is not accepting tasks")})
    @Operation(operationId = "submitGroup", summary = "Submit a group",
            description = "Submits every task of the group at once; 202 with the group's id and its tasks' ids, or "
                    + "a problem naming the first bad task.")
    @POST
    @RolesAllowed(Roles.SUBMIT)
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> submit(String body) throws JsonProcessingException {
        JsonNode o = StrictJson.read(reader, body, "{\"tasks\": [{\"task\": \"add\", \"args\": [1, 2]}, ...], "
                + "\"then\": {\"task\": \"...\"}}");
        if (!o.isObject()) {
            throw ProblemException.badRequest("a group is a JSON object with 'tasks' (and optionally 'id' and 'then')");
        }
        for (Iterator<String> it = o.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw ProblemException.badRequest("unknown field '" + f + "'; a group may have: id, tasks, then");
            }
        }
        String id = groupId(o.get("id"));
        JsonNode tasks = o.get("tasks");
        if (tasks == null || !tasks.isArray() || tasks.isEmpty()) {
            throw ProblemException.badRequest("field 'tasks' is required: a non-empty array of submissions");
        }
        Instant now = clock.instant();
        List<Submission> members = parser.entries(tasks, ListKind.GROUP, (i, t) -> {
            if (t.isObject() && (t.has("id") || t.has("idempotencyKey"))) {
                throw InvalidSubmissionException.invalid("a group's tasks may not have 'id' or 'idempotencyKey': "
                        + "their ids are <group>:<index>");
            }
            ObjectNode withId = t.isObject() ? ((ObjectNode) t).deepCopy().put("id", GroupMember.taskId(id, i)) : null;
            TaskSpec spec = parser.parse(withId == null ? t : withId, now)
                    .inGroup(new GroupMember(id, i, tasks.size()));
            return new Submission(spec, null, null, true);
        });
        JsonNode then = o.get("then");
        if (then != null && !then.isNull()) {
            parser.checkedThen(then, now, 1);
        }
        StoredGroup group = new StoredGroup(id, tasks.size(), then == null || then.isNull() ? null : then.deepCopy(),
                now, null);
        if (queries.group(id).isPresent()) {
            throw new ProblemException(409, "duplicate-id", "Duplicate id", "group '" + id + "' exists already");
        }
        Map<String, String> trace = tracing.capture();
        return Eventually.of(definitions.keepGroup(group)
                .thenCompose(kept -> admission.submit(members, trace))
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        definitions.forgetGroup(id);
                    }
                })).map(accepted -> {
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("id", id);
                    answer.put("ids", accepted.stream().map(a -> a.id()).toList());
                    answer.put("then", group.then() == null ? null : GroupMember.thenId(id));
                    return Response.accepted(answer).location(URI.create("/groups/" + id)).build();
                });
    }

    @APIResponses({
        @APIResponse(responseCode = "200", description = "The group and its tasks",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = GroupInfo.class))),
        @APIResponse(responseCode = "404", description = "No such group is kept")})
    @Operation(operationId = "getGroup", summary = "Get a group",
            description = "The group's status and counts, and each member's state; 404 for an unknown group.")
    @GET
    @RolesAllowed(Roles.READ)
    @Path("/{id}")
    public GroupInfo get(@PathParam("id") String id) {
        StoredGroup g = queries.group(id).orElseThrow(() -> new ProblemException(404, "group-not-found",
                "Group not found", "no group '" + id + "' is known: it was never made here, or it ended longer ago "
                        + "than fastworker.result-cache.ttl"));
        List<TaskView> views = groups.members(g);
        List<Member> members = new ArrayList<>();
        int done = 0;
        int ok = 0;
        boolean failed = false;
        for (int i = 0; i < views.size(); i++) {
            TaskView v = views.get(i);
            members.add(new Member(GroupMember.taskId(id, i), v == null ? null : v.status()));
            if (v != null && v.status().isTerminal()) {
                done++;
                ok += v.status() == TaskState.SUCCESS ? 1 : 0;
                failed |= v.status() != TaskState.SUCCESS;
            }
        }
        Member then = g.then() == null ? null : new Member(GroupMember.thenId(id),
                queries.find(GroupMember.thenId(id)).map(TaskView::status).orElse(null));
        String status = failed ? "failure" : done == g.size() || g.endedAt() != null ? "success" : "running";
        return new GroupInfo(id, status, g.size(), done, ok, members, then);
    }

    private static String groupId(JsonNode id) {
        if (id == null || id.isNull()) {
            return UUID.randomUUID().toString();
        }
        if (!id.isTextual() || id.asText().length() > MAX_ID) {
            throw ProblemException.badRequest("field 'id' must be a string of 1 to " + MAX_ID + " characters");
        }
        try {
            TaskSpec.checkId(id.asText());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("field 'id': " + e.getMessage().replace("task id", "a group id"));
        }
        return id.asText();
    }
}
