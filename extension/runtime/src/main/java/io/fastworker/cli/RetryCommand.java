package io.fastworker.cli;

import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import io.fastworker.client.TaskResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker retry}: replays a failed task as a new attempt. */
@Command(name = "retry", mixinStandardHelpOptions = true,
        description = "Run a failed task again (same id; its history and attempt count go on).")
class RetryCommand extends ClientCommand {

    @Option(names = "--task-id", required = true, paramLabel = "ID", description = "the id of the failed task")
    String taskId;

    @Override
    int run(FastWorkerClient client) {
        TaskResult task;
        try {
            task = client.retry(taskId);
        } catch (FastWorkerException e) {
            if (e.status() != 404 && e.status() != 409) {
                throw e;
            }
            err().println("Task " + taskId + " could not be retried: " + e.getMessage());
            return ExitCode.TASK_FAILED_OR_NOT_FOUND;
        }
        out().println("Task " + taskId + " queued again (attempt " + (task.attempts() + 1) + ")");
        return ExitCode.OK;
    }
}
