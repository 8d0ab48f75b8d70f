package io.fastworker.cli;

import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every client command shares: the control plane's URL, output streams and the mapping of failures. */
@RegisterForReflection(fields = true)
abstract class ClientCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:FASTWORKER_URL:-http://127.0.0.1:8080}",
            description = "control plane HTTP address (env FASTWORKER_URL; default ${DEFAULT-VALUE})")
    String url;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * Client commands run without Quarkus's logging configuration, where the JDK HTTP client's debug loggers count
     * as enabled and format a message for every request (milliseconds each). Held here so they stay configured.
     */
    private static final java.util.List<java.util.logging.Logger> QUIET = java.util.stream.Stream.of(
            "jdk.internal.httpclient.debug", "jdk.internal.httpclient.hpack.debug",
            "jdk.internal.httpclient.websocket.debug", "jdk.httpclient.HttpClient")
            .map(java.util.logging.Logger::getLogger).toList();

    @Override
    public final Integer call() {
        QUIET.forEach(l -> l.setLevel(java.util.logging.Level.WARNING));
        try {
            return run(new ControlPlaneClient(url));
        } catch (ControlPlaneClient.UnreachableException e) {
            err().println("Error: " + e.getMessage());
            return ExitCode.UNREACHABLE;
        } catch (IllegalArgumentException e) {
            err().println("Error: bad --url '" + url + "': " + e.getMessage());
            return ExitCode.USAGE;
        }
    }

    abstract int run(ControlPlaneClient client) throws ControlPlaneClient.UnreachableException;

    /** Prints a refusal from the control plane and picks the exit code that matches it. */
    int refused(ControlPlaneClient.Reply reply) {
        err().println("Error: " + reply.detail());
        return reply.status() == 400 ? ExitCode.USAGE : ExitCode.TASK_FAILED_OR_NOT_FOUND;
    }
}
