package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.client.FastWorkerClient;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker tasks}: recent tasks, newest first, with the API's filters. */
@Command(name = "tasks", mixinStandardHelpOptions = true, description = "List recent tasks, newest first.")
class TasksCommand extends ClientCommand {

    @Option(names = "--status", paramLabel = "STATUS",
            description = "queued, scheduled, running, retrying, success, failure or cancelled")
    String status;

    @Option(names = "--task-name", paramLabel = "NAME", description = "only tasks of this name")
    String taskName;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
            description = "how many (default ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "skip the N newest")
    int offset;

    @Option(names = "--json", description = "print the page as JSON ({total, items})")
    boolean json;

    @Override
    int run(FastWorkerClient client) {
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("status", status);
        filters.put("task", taskName);
        filters.put("limit", String.valueOf(limit));
        filters.put("offset", String.valueOf(offset));
        JsonNode page = client.tasks(filters);
        if (json) {
            out().println(page.toString());
            return ExitCode.OK;
        }
        TaskTable.print(out(), page, "submitted", t -> t.path("submittedAt").asText(""));
        return ExitCode.OK;
    }
}
