package io.fastworker.api;

import io.fastworker.api.RegistryResource.TaskInfo;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskOptions;
import io.fastworker.link.RemoteWorkers;
import io.fastworker.submission.AcceptedTasks;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;

/** The tasks this control plane accepts, as {@code GET /registry} and the Dev UI show them. */
@ApplicationScoped
class Registered {

    @Inject
    AcceptedTasks accepted;

    @Inject
    RemoteWorkers remote;

    @Inject
    FastWorkerConfig.ControlPlane controlPlane;

    /** Every accepted task, with its parameters, default options and where it can run now. */
    List<TaskInfo> tasks() {
        List<String> declared = accepted.declared();
        List<RemoteWorkers.Info> workers = remote.list().stream().filter(w -> !w.draining()).toList();
        List<TaskInfo> out = new ArrayList<>();
        for (String name : accepted.names()) {
            TaskDefinition definition = accepted.definition(name).orElseThrow();
            TaskOptions o = definition.defaults();
            List<String> parameters = definition.parameters().orElse(null);
            List<String> subworkers = workers.stream().filter(w -> w.tasks().contains(name)).map(RemoteWorkers.Info::id)
                    .sorted().toList();
            boolean own = accepted.ownTask(name);
            boolean local = own && controlPlane.executeLocally() && subworkers.isEmpty();
            boolean isDeclared = declared.contains(name);
            out.add(new TaskInfo(name, parameters, o.priority(), o.maxRetries(), o.retryDelay().toString(),
                    o.retryBackoff(), o.retryBackoffMax().toString(), o.timeout().toString(), local, subworkers,
                    isDeclared, isDeclared && !local && subworkers.isEmpty()));
        }
        return out;
    }
}
