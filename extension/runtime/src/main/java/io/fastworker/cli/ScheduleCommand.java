package io.fastworker.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fastworker schedule list|add|delete|pause|resume}: the control plane's periodic schedules. */
@Command(name = "schedule", mixinStandardHelpOptions = true, description = "List, add, delete, pause or resume "
        + "periodic schedules.",
        subcommands = {ScheduleCommand.ListSchedules.class, ScheduleCommand.Add.class,
            ScheduleCommand.Delete.class, ScheduleCommand.Pause.class, ScheduleCommand.Resume.class})
class ScheduleCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a subcommand: list, add, delete, "
                + "pause or resume");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the schedules.")
    static class ListSchedules extends ClientCommand {
        @Option(names = "--json", description = "print them as JSON")
        boolean json;

        @Override
        int run(FastWorkerClient client) {
            JsonNode all = client.schedules();
            if (json) {
                out().println(all.toString());
                return ExitCode.OK;
            }
            if (all.isEmpty()) {
                out().println("No schedules.");
            }
            for (JsonNode s : all) {
                String when = s.hasNonNull("cron") ? "cron '" + s.get("cron").asText() + "' "
                        + s.path("timezone").asText() : "every " + s.path("every").asText();
                out().printf("%s: %s(%s) %s [%s]%s next=%s last=%s%n", s.path("id").asText(),
                        s.path("task").asText(), s.path("args").toString(), when, s.path("source").asText(),
                        s.path("paused").asBoolean() ? " paused" : "", text(s.get("nextFireAt")),
                        s.path("lastRun").isObject() ? s.get("lastRun").path("taskId").asText() + " ("
                                + text(s.get("lastRun").get("status")) + ")" : "-");
            }
            return ExitCode.OK;
        }

        private static String text(JsonNode n) {
            return n == null || n.isNull() ? "-" : n.asText();
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a schedule.")
    static class Add extends ClientCommand {
        @Option(names = "--id", required = true, paramLabel = "ID", description = "the schedule's id")
        String id;

        @Option(names = "--task-name", required = true, paramLabel = "NAME", description = "the task it submits")
        String task;

        @ArgGroup(exclusive = true, multiplicity = "1")
        When when;

        static class When {
            @Option(names = "--cron", paramLabel = "EXPR", description = "5-field Unix cron, e.g. '0 3 * * 1-5'")
            String cron;

            @Option(names = "--every", paramLabel = "DURATION", description = "a period: 30s, 5m, PT1H")
            String every;
        }

        @Option(names = "--timezone", paramLabel = "ZONE", description = "the zone a cron is read in (default UTC)")
        String timezone;

        @Option(names = "--args", arity = "1..*", paramLabel = "ARG",
                description = "positional arguments (JSON values; anything else is a string)")
        List<String> args = new ArrayList<>();

        @Option(names = "--kwargs", paramLabel = "JSON", description = "named arguments as a JSON object")
        String kwargs;

        @Option(names = "--priority", paramLabel = "LEVEL", description = "critical, high, normal or low")
        String priority;

        @Option(names = "--missed", paramLabel = "POLICY", description = "ticks missed while down: skip (default) or "
                + "catch-up-once")
        String missed;

        @Option(names = "--overlap", paramLabel = "POLICY", description = "a tick while the last run runs: allow "
                + "(default) or skip-if-running")
        String overlap;

        @Override
        int run(FastWorkerClient client) {
            ObjectNode s = JSON.createObjectNode().put("id", id).put("task", task);
            ArrayNode a = s.putArray("args");
            args.forEach(v -> a.add(SubmitCommand.parseArg(v)));
            if (kwargs != null) {
                try {
                    s.set("kwargs", JSON.readTree(kwargs));
                } catch (JsonProcessingException e) {
                    err().println("Error: --kwargs must be a JSON object such as '{\"c\": 9}', got: " + kwargs);
                    return ExitCode.USAGE;
                }
            }
            put(s, "cron", when.cron);
            put(s, "every", when.every);
            put(s, "timezone", timezone);
            put(s, "priority", priority);
            put(s, "missed", missed);
            put(s, "overlap", overlap);
            JsonNode made = client.createSchedule(s);
            out().println("Schedule " + made.path("id").asText() + " added; next run at "
                    + made.path("nextFireAt").asText());
            return ExitCode.OK;
        }

        private static void put(ObjectNode o, String field, String value) {
            if (value != null) {
                o.put(field, value);
            }
        }
    }

    /** What delete, pause and resume share: the schedule's id, and a missing one is exit code 1. */
    abstract static class OnOne extends ClientCommand {
        @Option(names = "--id", required = true, paramLabel = "ID", description = "the schedule's id")
        String id;

        @Override
        int run(FastWorkerClient client) {
            try {
                out().println(act(client));
                return ExitCode.OK;
            } catch (FastWorkerException e) {
                if (e.status() != 404 && e.status() != 409) {
                    throw e;
                }
                err().println("Schedule " + id + ": " + e.getMessage());
                return ExitCode.TASK_FAILED_OR_NOT_FOUND;
            }
        }

        abstract String act(FastWorkerClient client);
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a schedule added here.")
    static class Delete extends OnOne {
        @Override
        String act(FastWorkerClient client) {
            client.deleteSchedule(id);
            return "Schedule " + id + " deleted";
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true, description = "Pause a schedule.")
    static class Pause extends OnOne {
        @Override
        String act(FastWorkerClient client) {
            client.pauseSchedule(id, true);
            return "Schedule " + id + " paused";
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused schedule.")
    static class Resume extends OnOne {
        @Override
        String act(FastWorkerClient client) {
            JsonNode s = client.pauseSchedule(id, false);
            return "Schedule " + id + " resumed; next run at " + s.path("nextFireAt").asText();
        }
    }
}
