package io.fastworker.api;

import io.fastworker.security.Roles;
import io.fastworker.task.Priority;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The tasks the control plane accepts, with their default options and where each can run now. */
@Tag(name = "Registry", description = "The task names this control plane accepts, with their parameters and options.")
@Path("/registry")
@Produces(MediaType.APPLICATION_JSON)
public class RegistryResource {

    /**
     * One accepted task. Durations are ISO-8601; {@code parameters} is null when not known (a task only declared
     * or announced without them). {@code local}: the control plane runs it itself now; {@code subworkers}: the
     * joined subworkers that run it now; {@code declared}: listed in {@code fastworker.tasks.declared};
     * {@code declaredOnly}: declared, and nothing connected runs it now (it waits in its queue).
     */
    @RegisterForReflection
    public record TaskInfo(String name, List<String> parameters, Priority priority, int maxRetries, String retryDelay,
            double retryBackoff, String retryBackoffMax, String timeout, boolean local, List<String> subworkers,
            boolean declared, boolean declaredOnly) {
    }

    @Inject
    Registered registered;

    @Operation(operationId = "listRegisteredTasks", summary = "List registered tasks",
            description = "Every task name an executor offers or that is declared, with its parameters, priority, "
                    + "retries and timeout.")
    @GET
    @RolesAllowed(Roles.READ)
    public List<TaskInfo> tasks() {
        return registered.tasks();
    }
}
