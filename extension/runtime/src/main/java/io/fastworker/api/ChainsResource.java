package io.fastworker.api;

import io.fastworker.engine.ChainStep;
import io.fastworker.engine.TaskQueries;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import io.fastworker.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponses;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A chain's progress, by the id of its first task. */
@Tag(name = "Chains",
        description = "A chain's steps and how far it got; chains are submitted with POST /tasks (its 'chain' field).")
@Path("/chains")
@Produces(MediaType.APPLICATION_JSON)
public class ChainsResource {

    /**
     * A chain: {@code status} {@code running}, {@code success} (its last step succeeded) or {@code stopped} (a step
     * failed or was cancelled: {@code stoppedAt}); {@code tasks}: each step's task id and status (null: not
     * submitted yet, or no longer kept).
     */
    @RegisterForReflection
    public record ChainInfo(String id, String status, int steps, @Schema(nullable = true) Step stoppedAt,
            List<Step> tasks) {
    }

    @RegisterForReflection
    public record Step(int step, @Schema(nullable = true) String id, String task,
            @Schema(nullable = true) TaskState status) {
    }

    @Inject
    TaskQueries queries;

    @APIResponses({
        @APIResponse(responseCode = "200", description = "The chain and its steps",
                content = @Content(mediaType = MediaType.APPLICATION_JSON,
                        schema = @Schema(implementation = ChainInfo.class))),
        @APIResponse(responseCode = "404", description = "No task by that id is kept")})
    @Operation(operationId = "getChain", summary = "Get a chain",
            description = "The chain's status and every step with its task id and state; 404 for an unknown chain.")
    @GET
    @RolesAllowed(Roles.READ)
    @Path("/{id}")
    public ChainInfo get(@PathParam("id") String id) {
        TaskView first = queries.find(id).orElseThrow(() -> new ProblemException(404, "chain-not-found",
                "Chain not found", "no task '" + id + "' is known (a chain is named by its first task's id)"));
        ChainStep c = first.chain();
        if (c == null || c.step() != 0) {
            throw new ProblemException(404, "chain-not-found", "Chain not found", "task '" + id + "' is not the "
                    + "first task of a chain" + (c == null ? "" : "; it is step " + (c.step() + 1) + " of chain '"
                            + c.id() + "'"));
        }
        List<Step> steps = new ArrayList<>();
        Step stopped = null;
        String status = "running";
        for (int k = 0; k < c.steps(); k++) {
            String stepId = ChainStep.taskId(id, k);
            TaskView v = queries.find(stepId).orElse(null);
            Step s = new Step(k + 1, stepId, v == null ? null : v.task(), v == null ? null : v.status());
            steps.add(s);
            if (v != null && v.status().isTerminal() && v.status() != TaskState.SUCCESS && stopped == null) {
                stopped = s;
                status = "stopped";
            }
            if (k == c.steps() - 1 && v != null && v.status() == TaskState.SUCCESS && stopped == null) {
                status = "success";
            }
        }
        return new ChainInfo(id, status, c.steps(), stopped, steps);
    }
}
