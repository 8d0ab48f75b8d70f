package io.fastworker.api;

import io.fastworker.engine.LocalExecutor;
import io.fastworker.link.RemoteWorkers;
import io.fastworker.task.TaskDefinition;
import io.fastworker.task.TaskRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
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

    /** One executor and its load. */
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

    /** The control plane first ({@code active} while it runs tasks itself), then each joined subworker. */
    @GET
    public List<WorkerInfo> workers() {
        List<WorkerInfo> out = new ArrayList<>();
        out.add(new WorkerInfo(local.workerId(), "control-plane", local.concurrency(), local.inFlight(),
                local.completed(), Instant.now(), registry.definitions().stream().map(TaskDefinition::name).toList(),
                local.active()));
        for (RemoteWorkers.Info w : remote.list()) {
            out.add(new WorkerInfo(w.id(), "subworker", w.concurrency(), w.inFlight(), w.completed(), w.lastSeen(),
                    w.tasks(), !w.draining()));
        }
        return out;
    }
}
