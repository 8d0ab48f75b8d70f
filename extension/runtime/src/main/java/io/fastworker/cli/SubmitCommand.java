package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.opentelemetry.api.trace.Span;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker submit}: sends one task and prints its result, or its id with {@code --non-blocking}. */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a task and print its result.")
class SubmitCommand extends ClientCommand {

    private static final Duration WAIT_SLICE = Duration.ofSeconds(30);

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

    @Option(names = "--non-blocking", description = "print the task id and exit at once")
    boolean nonBlocking;

    @Option(names = "--wait-timeout", paramLabel = "SECONDS", defaultValue = "60",
            description = "how long to wait for the result (default ${DEFAULT-VALUE}); exit status 4 if the task "
                    + "has not finished by then")
    long waitTimeout;

    @Override
    int run(ControlPlaneClient client) throws ControlPlaneClient.UnreachableException {
        ObjectNode body = ControlPlaneClient.JSON.createObjectNode();
        body.put("task", taskName);
        ArrayNode array = body.putArray("args");
        args.forEach(a -> array.add(parseArg(a)));
        if (kwargs != null) {
            JsonNode k;
            try {
                k = ControlPlaneClient.JSON.readTree(kwargs);
            } catch (IOException e) {
                k = null;
            }
            if (k == null || !k.isObject()) {
                err().println("Error: --kwargs must be a JSON object such as '{\"c\": 9}', got: " + kwargs);
                return ExitCode.USAGE;
            }
            body.set("kwargs", k);
        }
        if (priority != null) {
            body.put("priority", priority);
        }
        if (countdown != null) {
            body.put("countdown", countdown);
        }
        if (maxRetries != null) {
            body.put("maxRetries", maxRetries);
        }
        if (timeout != null) {
            body.put("timeout", timeout);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(waitTimeout).toNanos();
        ControlPlaneClient.Reply reply;
        try (CliTelemetry telemetry = CliTelemetry.open(err())) {
            Span span = telemetry.startSubmit(taskName);
            try {
                reply = client.post("/tasks", body, WAIT_SLICE, telemetry.headers(span));
                if (reply.ok()) {
                    span.setAttribute("fastworker.task.id", reply.body().path("id").asText());
                } else {
                    CliTelemetry.failed(span, "HTTP " + reply.status());
                }
            } catch (ControlPlaneClient.UnreachableException e) {
                CliTelemetry.failed(span, "control plane unreachable");
                throw e;
            } finally {
                span.end();
            }
        }
        if (!reply.ok()) {
            return refused(reply);
        }
        String id = reply.body().path("id").asText();
        if (nonBlocking) {
            out().println(id);
            return ExitCode.OK;
        }
        JsonNode task = reply.body();
        while (!terminal(task) && System.nanoTime() < deadline) {
            ControlPlaneClient.Reply r = client.get("/tasks/" + id + "?wait=" + waitSlice(deadline),
                    WAIT_SLICE.plusSeconds(30));
            if (!r.ok()) {
                return refused(r);
            }
            task = r.body();
        }
        return printOutcome(task, id);
    }

    /** Milliseconds to wait in the next request: what is left, but no more than one slice. */
    private static String waitSlice(long deadline) {
        long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        return Math.min(left, WAIT_SLICE.toMillis()) + "ms";
    }

    private int printOutcome(JsonNode task, String id) {
        String status = task.path("status").asText();
        switch (status) {
            case "success" -> {
                out().println(task.path("result").toString());
                return ExitCode.OK;
            }
            case "failure" -> {
                JsonNode e = task.path("error");
                err().println("Error: task " + id + " failed after " + task.path("attempts").asInt()
                        + " attempt(s): " + e.path("type").asText() + ": " + e.path("message").asText());
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

    private static boolean terminal(JsonNode task) {
        String s = task.path("status").asText();
        return s.equals("success") || s.equals("failure") || s.equals("cancelled");
    }

    /** JSON where it parses, else the text as a string: {@code 5} is a number, {@code Q1} a string. */
    static JsonNode parseArg(String text) {
        try {
            JsonNode node = ControlPlaneClient.JSON.readTree(text);
            return node == null || node.isMissingNode() ? TextNode.valueOf(text) : node;
        } catch (IOException e) {
            return TextNode.valueOf(text);
        }
    }
}
