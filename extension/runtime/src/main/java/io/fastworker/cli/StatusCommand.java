package io.fastworker.cli;

import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import io.fastworker.client.TaskResult;
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
    int run(FastWorkerClient client) {
        TaskResult t;
        try {
            t = client.result(taskId);
        } catch (FastWorkerException e) {
            if (e.status() != 404) {
                throw e;
            }
            err().println("Task ID " + taskId + " not found or expired.");
            return ExitCode.TASK_FAILED_OR_NOT_FOUND;
        }
        if (json) {
            out().println(t.json().toString());
        } else {
            out().println("Task ID: " + t.id());
            out().println("Task: " + t.task());
            out().println("Status: " + t.status());
            out().println("Attempts: " + t.attempts() + "/" + t.maxAttempts());
            t.progress().ifPresent(p -> out().println("Progress: " + Math.round(p * 100) + "%"
                    + (t.progressMessage() == null ? "" : " " + t.progressMessage())));
            if (t.result() != null) {
                out().println("Result: " + t.result());
            }
            if (t.errorType() != null) {
                out().println("Error: " + t.errorType() + ": " + t.errorMessage());
            }
            line("Submitted at", t.submittedAt());
            line("Started at", t.startedAt());
            line("Completed at", t.finishedAt());
            line("Worker", t.worker());
        }
        return "failure".equals(t.status()) ? ExitCode.TASK_FAILED_OR_NOT_FOUND : ExitCode.OK;
    }

    private void line(String label, Object value) {
        if (value != null) {
            out().println(label + ": " + value);
        }
    }
}
