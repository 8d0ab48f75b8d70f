package io.fastworker.api;

import io.fastworker.dispatch.Dispatcher;
import io.fastworker.dispatch.LocalExecutor;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskRegistry;
import io.fastworker.link.RemoteWorkers;
import io.fastworker.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The executors that run tasks; the control plane itself is one. */
@Tag(name = "Workers", description = "The executors that run tasks: the control plane's own and connected subworkers.")
@Path("/workers")
@Produces(MediaType.APPLICATION_JSON)
public class WorkersResource {

    /**
     * One executor and its load. {@code active}: for the control plane, whether it runs tasks itself now (it has
     * an executor and at least one of its tasks is offered by no connected subworker); for a subworker, whether it
     * takes new tasks (it is not draining). {@code state}: {@code active}, {@code standby} (the control plane, not
     * running tasks itself now), {@code draining}, and for {@code GET /workers/gone} {@code lost} or {@code left};
     * {@code failures}: attempts it ran that failed; {@code reason}: why a gone subworker went.
     */
    @RegisterForReflection
    public record WorkerInfo(String id, String kind, String state, int concurrency, int inFlight, long completed,
            long failures, Instant lastSeen, List<String> tasks, boolean active,
            @Schema(nullable = true) String reason) {
    }

    @Inject
    LocalExecutor local;

    @Inject
    TaskRegistry registry;

    @Inject
    RemoteWorkers remote;

    @Inject
    Dispatcher dispatcher;

    /** The control plane first, then each joined subworker. */
    @Operation(operationId = "listWorkers", summary = "List workers",
            description = "Every executor with its state, concurrency, tasks in flight, completed count and the "
                    + "tasks it offers.")
    @GET
    @RolesAllowed(Roles.READ)
    public List<WorkerInfo> workers() {
        List<WorkerInfo> out = new ArrayList<>();
        boolean runs = dispatcher.localActive();
        out.add(new WorkerInfo(local.id(), "control-plane", runs ? "active" : "standby", local.concurrency(),
                local.inFlight(), local.completed(), local.failures(), Instant.now(),
                registry.definitions().stream().map(TaskDefinition::name).toList(), runs, null));
        for (RemoteWorkers.Info w : remote.list()) {
            out.add(subworker(w, w.draining() ? "draining" : "active", null));
        }
        return out;
    }

    /** Subworkers that left or were lost in the last hour (the latest 50), newest first; none that joined again. */
    @Operation(operationId = "listGoneWorkers", summary = "List workers that left",
            description = "Subworkers that left or were lost recently, and when.")
    @GET
    @Path("/gone")
    @RolesAllowed(Roles.READ)
    public List<WorkerInfo> gone() {
        return remote.gone().stream().map(g -> subworker(g.last(), g.left() ? "left" : "lost", g.why())).toList();
    }

    private static WorkerInfo subworker(RemoteWorkers.Info w, String state, String reason) {
        return new WorkerInfo(w.id(), "subworker", state, w.concurrency(), w.inFlight(), w.completed(), w.failures(),
                w.lastSeen(), w.tasks(), "active".equals(state), reason);
    }
}
