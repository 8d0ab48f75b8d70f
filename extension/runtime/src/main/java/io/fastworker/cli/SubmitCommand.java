package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.TaskRequest;
import io.fastworker.client.TaskResult;
import io.fastworker.execution.Durations;
import io.fastworker.task.Priority;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker submit}: sends one task and prints its result, or its id with {@code --non-blocking}. */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a task and print its result.")
class SubmitCommand extends ClientCommand {

    @Option(names = "--task-name", required = true, paramLabel = "NAME", description = "task to run")
    String taskName;

    @Option(names = "--args", arity = "1..*", paramLabel = "ARG",
            description = "positional arguments; each is parsed as JSON where it parses (5, true, '\"5\"'), "
                    + "else taken as a string")
    List<String> args = new ArrayList<>();

    @Option(names = "--kwargs", paramLabel = "JSON", description = "named arguments as a JSON object")
    String kwargs;

    @Option(names = "--priority", paramLabel = "LEVEL", description = "critical, high, normal or low")
    String priority;

    @Option(names = "--countdown", paramLabel = "SECONDS",
            description = "run no sooner than this many seconds from now")
    Double countdown;

    @Option(names = "--max-retries", paramLabel = "N", description = "retries after a failed attempt")
    Integer maxRetries;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "longest one attempt may run (30s, PT5M)")
    String timeout;

    @Option(names = "--idempotency-key", paramLabel = "KEY", description = "makes running the same command again "
            + "safe: within the control plane's idempotency window the same key and arguments give back the task the "
            + "first run created")
    String idempotencyKey;

    @Option(names = "--non-blocking", description = "print the task id and exit at once")
    boolean nonBlocking;

    @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for the result (default ${DEFAULT-VALUE}); exit status 4 if the task "
                    + "has not finished by then")
    long waitTimeout;

    @Override
    int run(FastWorkerClient client) {
        TaskRequest request;
        try {
            request = request();
        } catch (IllegalArgumentException e) {
            err().println("Error: " + e.getMessage());
            return ExitCode.USAGE;
        }
        if (nonBlocking) {
            out().println(client.delay(request));
            return ExitCode.OK;
        }
        return printOutcome(client.submit(request, Duration.ofSeconds(Math.max(0, waitTimeout))));
    }

    private TaskRequest request() {
        TaskRequest r = TaskRequest.of(taskName).withArgs(args.stream().map(a -> (Object) parseArg(a)).toList());
        if (kwargs != null) {
            JsonNode k;
            try {
                k = JSON.readTree(kwargs);
            } catch (IOException e) {
                k = null;
            }
            if (k == null || !k.isObject()) {
                throw new IllegalArgumentException("--kwargs must be a JSON object such as '{\"c\": 9}', got: "
                        + kwargs);
            }
            for (Map.Entry<String, JsonNode> e : k.properties()) {
                r = r.withKwarg(e.getKey(), e.getValue());
            }
        }
        if (priority != null) {
            r = r.withPriority(Priority.parse(priority));
        }
        if (countdown != null) {
            r = r.withCountdown(Durations.ofSeconds(countdown));
        }
        if (maxRetries != null) {
            r = r.withMaxRetries(maxRetries);
        }
        if (timeout != null) {
            r = r.withTimeout(Durations.parse(timeout));
        }
        if (idempotencyKey != null) {
            r = r.withIdempotencyKey(idempotencyKey);
        }
        return r;
    }

    private int printOutcome(TaskResult task) {
        String id = task.id();
        String status = task.status();
        switch (status) {
            case "success" -> {
                out().println(task.result() == null ? "null" : task.result().toString());
                return ExitCode.OK;
            }
            case "failure" -> {
                err().println("Error: task " + id + " failed after " + task.attempts() + " attempt(s): "
                        + task.errorType() + ": " + task.errorMessage());
                return ExitCode.TASK_FAILED_OR_NOT_FOUND;
            }
            case "cancelled" -> {
                err().println("Error: task " + id + " was cancelled");
                return ExitCode.TASK_FAILED_OR_NOT_FOUND;
            }
            default -> {
                err().println("Task " + id + " is still " + status + " after " + waitTimeout + " s; check later "
                        + "with: fastworker status --task-id " + id);
                return ExitCode.STILL_RUNNING;
            }
        }
    }

    /** JSON where it parses, else the text as a string: {@code 5} is a number, {@code Q1} a string. */
    static JsonNode parseArg(String text) {
        try {
            JsonNode node = JSON.readTree(text);
            return node == null || node.isMissingNode() ? TextNode.valueOf(text) : node;
        } catch (IOException e) {
            return TextNode.valueOf(text);
        }
    }
}
