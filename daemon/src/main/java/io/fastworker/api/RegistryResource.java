package io.fastworker.api;

import io.fastworker.queue.Priority;
import io.fastworker.task.TaskDefinition;
import io.fastworker.task.TaskOptions;
import io.fastworker.task.TaskRegistry;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The tasks the control plane accepts, with their default options. */
@Path("/registry")
@Produces(MediaType.APPLICATION_JSON)
public class RegistryResource {

    /** One registered task; durations are ISO-8601. */
    @RegisterForReflection
    public record TaskInfo(String name, List<String> parameters, Priority priority, int maxRetries,
            String retryDelay, double retryBackoff, String retryBackoffMax, String timeout) {

        static TaskInfo of(TaskDefinition d) {
            TaskOptions o = d.defaults();
            return new TaskInfo(d.name(), d.parameters().orElse(null), o.priority(), o.maxRetries(),
                    o.retryDelay().toString(),
                    o.retryBackoff(), o.retryBackoffMax().toString(), o.timeout().toString());
        }
    }

    @Inject
    TaskRegistry registry;

    @GET
    public List<TaskInfo> tasks() {
        return registry.definitions().stream().map(TaskInfo::of).toList();
    }
}
