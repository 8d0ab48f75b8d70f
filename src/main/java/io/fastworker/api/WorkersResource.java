package io.fastworker.api;

import io.fastworker.engine.LocalExecutor;
import io.fastworker.task.TaskDefinition;
import io.fastworker.task.TaskRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.List;

/** The executors that run tasks; the control plane itself is one. */
@Path("/workers")
@Produces(MediaType.APPLICATION_JSON)
public class WorkersResource {

    /** One executor and its load. */
    @RegisterForReflection
    public record WorkerInfo(String id, String kind, int concurrency, int inFlight, long completed,
            Instant lastSeen, List<String> tasks) {
    }

    @Inject
    LocalExecutor local;

    @Inject
    TaskRegistry registry;

    @GET
    public List<WorkerInfo> workers() {
        return List.of(new WorkerInfo(local.workerId(), "control-plane", local.concurrency(), local.inFlight(),
                local.completed(), Instant.now(), registry.definitions().stream().map(TaskDefinition::name).toList()));
    }
}
