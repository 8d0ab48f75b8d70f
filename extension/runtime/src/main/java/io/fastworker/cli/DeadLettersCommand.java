package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.client.FastWorkerClient;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker dead-letters}: failed tasks kept, newest failure first, with the API's filters. */
@Command(name = "dead-letters", mixinStandardHelpOptions = true,
        description = "List failed tasks kept as dead letters, newest failure first (replay one with retry, all "
                + "that match with --retry).")
class DeadLettersCommand extends ClientCommand {

    @Option(names = "--task-name", paramLabel = "NAME", description = "only tasks of this name")
    String taskName;

    @Option(names = "--error-type", paramLabel = "TYPE", description = "only this error type, e.g. timeout")
    String errorType;

    @Option(names = "--since", paramLabel = "TIME", description = "failed at or after (ISO-8601)")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "failed before (ISO-8601)")
    String until;

    @Option(names = "--limit", paramLabel = "N",
            description = "how many (default 20; with --retry, 10000, the most one call replays)")
    Integer limit;

    @Option(names = "--offset", paramLabel = "N", defaultValue = "0", description = "skip the N newest")
    int offset;

    @Option(names = "--json", description = "print the page as JSON ({total, items}; with --retry {count, ids, "
            + "remaining})")
    boolean json;

    @Option(names = "--retry", description = "replay every dead letter that matches, newest first, instead of "
            + "listing them (admin)")
    boolean retry;

    @Override
    int run(FastWorkerClient client) {
        Map<String, String> filters = new LinkedHashMap<>();
        filters.put("task", taskName);
        filters.put("errorType", errorType);
        filters.put("since", since);
        filters.put("until", until);
        if (retry) {
            filters.put("limit", limit == null ? null : String.valueOf(limit));
            JsonNode done = client.retryDeadLetters(filters);
            out().println(json ? done.toString() : "Queued again: " + done.path("count").asInt() + " ("
                    + done.path("remaining").asInt() + " matching left)");
            return ExitCode.OK;
        }
        filters.put("limit", String.valueOf(limit == null ? 20 : limit));
        filters.put("offset", String.valueOf(offset));
        JsonNode page = client.deadLetters(filters);
        if (json) {
            out().println(page.toString());
            return ExitCode.OK;
        }
        TaskTable.print(out(), page, "failed", t -> t.path("finishedAt").asText("") + "  "
                + t.path("error").path("type").asText(""));
        return ExitCode.OK;
    }
}
