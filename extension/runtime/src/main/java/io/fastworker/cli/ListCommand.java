package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code fastworker list}: the tasks the control plane accepts, with their options. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the available tasks.")
class ListCommand extends ClientCommand {

    @Override
    int run(ControlPlaneClient client) throws ControlPlaneClient.UnreachableException {
        ControlPlaneClient.Reply reply = client.get("/registry");
        if (!reply.ok()) {
            return refused(reply);
        }
        out().println("Available tasks:");
        for (JsonNode t : reply.body()) {
            StringBuilder params = new StringBuilder();
            t.path("parameters").forEach(p -> params.append(params.length() == 0 ? "" : ", ").append(p.asText()));
            out().printf("  - %s(%s) priority=%s maxRetries=%d timeout=%s%n", t.path("name").asText(), params,
                    t.path("priority").asText(), t.path("maxRetries").asInt(), t.path("timeout").asText());
        }
        return ExitCode.OK;
    }
}
