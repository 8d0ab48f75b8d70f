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

/** The executors that run tasks; the control plane itself is one. */
@Path("/workers")
@Produces(MediaType.APPLICATION_JSON)
public class WorkersResource {

    /**
     * One executor and its load. {@code active}: for the control plane, whether it runs tasks itself now (it has
     * an executor and at least one of its tasks is offered by no connected subworker); for a subworker, whether it
     * takes new tasks (it is not draining).
     */
    @RegisterForReflection
    public record WorkerInfo(String id, String kind, int concurrency, int inFlight, long completed,
            Instant lastSeen, List<String> tasks, boolean active) {
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
    @GET
    @RolesAllowed(Roles.READ)
    public List<WorkerInfo> workers() {
        List<WorkerInfo> out = new ArrayList<>();
        out.add(new WorkerInfo(local.id(), "control-plane", local.concurrency(), local.inFlight(),
                local.completed(), Instant.now(), registry.definitions().stream().map(TaskDefinition::name).toList(),
                dispatcher.localActive()));
        for (RemoteWorkers.Info w : remote.list()) {
            out.add(new WorkerInfo(w.id(), "subworker", w.concurrency(), w.inFlight(), w.completed(), w.lastSeen(),
                    w.tasks(), !w.draining()));
        }
        return out;
    }
}
