package io.fastworker.cli;

import io.fastworker.config.Role;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fastworker}: starts a daemon ({@code --role}) or runs a client command. Flags given here beat
 * {@code FASTWORKER_*} environment variables, which beat {@code application.properties} and the defaults.
 */
@Command(name = "fastworker", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "FastWorker: a brokerless distributed task queue. Start a daemon with --role, or use a "
                + "client command.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:task failed, not found or not cancellable", "2:usage error",
            "3:control plane unreachable",
            "4:submit: the task had not finished when --wait-timeout ran out (it may still succeed)"})
public class FastWorkerCommand implements Callable<Integer> {

    /** Returned when the daemon ran and exited through Quarkus, which has already set the exit status. */
    static final int DAEMON_RAN = Integer.MIN_VALUE;

    @Spec
    CommandSpec spec;

    @Option(names = "--role", paramLabel = "ROLE", converter = RoleConverter.class,
            description = "control-plane or subworker")
    Role role;

    @Option(names = "--concurrency", paramLabel = "N",
            description = "task bodies run at once in this process (fastworker.concurrency)")
    Integer concurrency;

    @Option(names = "--result-cache-size", paramLabel = "N",
            description = "finished tasks kept (fastworker.result-cache.size)")
    Integer resultCacheSize;

    @Option(names = "--result-cache-ttl", paramLabel = "SECONDS",
            description = "seconds a finished task stays readable (fastworker.result-cache.ttl)")
    Long resultCacheTtl;

    @Option(names = "--worker-id", paramLabel = "ID",
            description = "this process's id in results (fastworker.worker-id)")
    String workerId;

    @Option(names = "--control-plane-address", paramLabel = "tcp://HOST:PORT",
            description = "subworker: where the control plane's link listens (fastworker.control-plane.address)")
    String controlPlaneAddress;

    @Option(names = "--link-port", paramLabel = "PORT",
            description = "control plane: port subworkers dial (fastworker.link.port)")
    Integer linkPort;

    /** The client commands, in the order help lists them. */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("submit", SubmitCommand::new);
        COMMANDS.put("status", StatusCommand::new);
        COMMANDS.put("cancel", CancelCommand::new);
        COMMANDS.put("retry", RetryCommand::new);
        COMMANDS.put("list", ListCommand::new);
        COMMANDS.put("tasks", TasksCommand::new);
        COMMANDS.put("dead-letters", DeadLettersCommand::new);
        COMMANDS.put("schedule", ScheduleCommand::new);
        COMMANDS.put("train-aot", TrainAotCommand::new);
    }

    /**
     * The command line for {@code args}: with only the client command they name (or none to start a daemon), since
     * building every command's model costs start-up time; with all of them otherwise (help, a mistyped name).
     */
    static CommandLine commandLine(String... args) {
        CommandLine cl = new CommandLine(new FastWorkerCommand());
        String named = Arrays.stream(args).filter(COMMANDS::containsKey).findFirst().orElse(null);
        boolean daemon = Arrays.stream(args).anyMatch(a -> a.equals("--role") || a.startsWith("--role="));
        COMMANDS.forEach((name, command) -> {
            if (name.equals(named) || (named == null && !daemon)) {
                cl.addSubcommand(name, command.get());
            }
        });
        return cl.setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public Integer call() {
        if (role == null && FastWorkerMain.devMode()) {
            role = Role.CONTROL_PLANE; // quarkus dev with no arguments: the role that runs the application's tasks
        }
        if (role == null) {
            throw new ParameterException(spec.commandLine(), "Missing --role: start a daemon with --role "
                    + "control-plane or --role subworker (valid roles: " + Role.NAMES + "), or run a client "
                    + "command: submit, status, cancel, list");
        }
        flag("fastworker.concurrency", concurrency);
        flag("fastworker.result-cache.size", resultCacheSize);
        flag("fastworker.result-cache.ttl", resultCacheTtl);
        flag("fastworker.worker-id", workerId);
        flag("fastworker.control-plane.address", controlPlaneAddress);
        flag("fastworker.link.port", linkPort);
        FastWorkerMain.runDaemon(role);
        return DAEMON_RAN;
    }

    private static void flag(String property, Object value) {
        if (value != null) {
            System.setProperty(property, value.toString());
        }
    }

    @RegisterForReflection
    static final class RoleConverter implements CommandLine.ITypeConverter<Role> {
        @Override
        public Role convert(String value) {
            try {
                return Role.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
