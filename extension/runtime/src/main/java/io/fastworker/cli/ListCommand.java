package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.client.FastWorkerClient;
import picocli.CommandLine.Command;

/** {@code fastworker list}: the tasks the control plane accepts, with their options. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "List the available tasks.")
class ListCommand extends ClientCommand {

    @Override
    int run(FastWorkerClient client) {
        JsonNode registry = client.registry();
        out().println("Available tasks:");
        for (JsonNode t : registry) {
            StringBuilder params = new StringBuilder();
            t.path("parameters").forEach(p -> params.append(params.length() == 0 ? "" : ", ").append(p.asText()));
            out().printf("  - %s(%s) priority=%s maxRetries=%d timeout=%s%n", t.path("name").asText(), params,
                    t.path("priority").asText(), t.path("maxRetries").asInt(), t.path("timeout").asText());
        }
        return ExitCode.OK;
    }
}
