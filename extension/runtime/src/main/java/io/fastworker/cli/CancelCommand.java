package io.fastworker.cli;

import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker cancel}: withdraws a task that has not started. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a queued or scheduled task.")
class CancelCommand extends ClientCommand {

    @Option(names = "--task-id", required = true, paramLabel = "ID", description = "the id of the task to cancel")
    String taskId;

    @Override
    int run(FastWorkerClient client) {
        boolean cancelled;
        try {
            cancelled = client.cancel(taskId);
        } catch (FastWorkerException e) {
            if (e.status() != 404) {
                throw e;
            }
            err().println("Task " + taskId + " could not be cancelled: " + e.getMessage());
            return ExitCode.TASK_FAILED_OR_NOT_FOUND;
        }
        if (!cancelled) {
            err().println("Task " + taskId + " could not be cancelled: it has ended already");
            return ExitCode.TASK_FAILED_OR_NOT_FOUND;
        }
        if ("cancelling".equals(client.result(taskId).status())) {
            out().println("Task " + taskId + " runs: its executor was asked to stop it (cancelling; cancelled once "
                    + "the attempt ends)");
        } else {
            out().println("Task " + taskId + " cancelled successfully");
        }
        return ExitCode.OK;
    }
}
