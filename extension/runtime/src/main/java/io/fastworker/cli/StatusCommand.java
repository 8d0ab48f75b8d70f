package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker status}: prints a task's state, result or error. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a task's status and result.")
class StatusCommand extends ClientCommand {

    @Option(names = "--task-id", required = true, paramLabel = "ID",
            description = "the task's id, as submit --non-blocking printed it")
    String taskId;

    @Option(names = "--json", description = "print the task as JSON")
    boolean json;

    @Override
    int run(ControlPlaneClient client) throws ControlPlaneClient.UnreachableException {
        ControlPlaneClient.Reply reply = client.get("/tasks/" + taskId);
        if (reply.status() == 404) {
            err().println("Task ID " + taskId + " not found or expired.");
            return ExitCode.TASK_FAILED_OR_NOT_FOUND;
        }
        if (!reply.ok()) {
            return refused(reply);
        }
        JsonNode t = reply.body();
        if (json) {
            out().println(t.toString());
        } else {
            out().println("Task ID: " + t.path("id").asText());
            out().println("Task: " + t.path("task").asText());
            out().println("Status: " + t.path("status").asText());
            out().println("Attempts: " + t.path("attempts").asInt() + "/" + t.path("maxAttempts").asInt());
            if (t.hasNonNull("result")) {
                out().println("Result: " + t.get("result"));
            }
            if (t.hasNonNull("error")) {
                out().println("Error: " + t.get("error").path("type").asText() + ": "
                        + t.get("error").path("message").asText());
            }
            line("Submitted at", t, "submittedAt");
            line("Started at", t, "startedAt");
            line("Completed at", t, "finishedAt");
            line("Worker", t, "worker");
        }
        return "failure".equals(t.path("status").asText()) ? ExitCode.TASK_FAILED_OR_NOT_FOUND : ExitCode.OK;
    }

    private void line(String label, JsonNode t, String field) {
        if (t.hasNonNull(field)) {
            out().println(label + ": " + t.get(field).asText());
        }
    }
}
