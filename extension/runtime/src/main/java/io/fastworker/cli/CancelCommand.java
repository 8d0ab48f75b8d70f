package io.fastworker.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker cancel}: withdraws a task that has not started. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a queued or scheduled task.")
class CancelCommand extends ClientCommand {

    @Option(names = "--task-id", required = true, paramLabel = "ID", description = "the id of the task to cancel")
    String taskId;

    @Override
    int run(ControlPlaneClient client) throws ControlPlaneClient.UnreachableException {
        ControlPlaneClient.Reply reply = client.delete("/tasks/" + taskId);
        if (reply.ok()) {
            out().println("Task " + taskId + " cancelled successfully");
            return ExitCode.OK;
        }
        if (reply.status() == 404 || reply.status() == 409) {
            err().println("Task " + taskId + " could not be cancelled: " + reply.detail());
            return ExitCode.TASK_FAILED_OR_NOT_FOUND;
        }
        return refused(reply);
    }
}
