package io.fastworker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What every client command shares: the control plane's URL, the client library's {@link FastWorkerClient} (the
 * CLI has no HTTP client of its own), tracing, output streams and the mapping of failures to exit codes.
 */
@RegisterForReflection(fields = true)
abstract class ClientCommand implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:FASTWORKER_URL:-http://127.0.0.1:8080}",
            description = "control plane HTTP address (env FASTWORKER_URL; default ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--token", paramLabel = "KEY", defaultValue = "${env:FASTWORKER_TOKEN}",
            description = "API key, sent as a bearer token; needed when the control plane has API keys. Prefer the "
                    + "env FASTWORKER_TOKEN: an option is visible to other users in the process list")
    String token;

    @Option(names = "--trust-cert", paramLabel = "PEM", defaultValue = "${env:FASTWORKER_TRUST_CERT}",
            description = "for an https URL: the CA or server certificate (PEM) to trust instead of the JVM's CAs "
                    + "(env FASTWORKER_TRUST_CERT)")
    String trustCert;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        // A command moves a few hundred bytes: Netty needs no sun.misc.Unsafe for that, and Java 24+ warns on stderr
        // of every call that uses it (unless the user asked otherwise)
        System.getProperties().putIfAbsent("io.netty.noUnsafe", "true");
        FastWorkerClient.Builder builder;
        try {
            builder = FastWorkerClient.builder().url(url);
        } catch (IllegalArgumentException e) {
            err().println("Error: bad --url '" + url + "': " + e.getMessage());
            return ExitCode.USAGE;
        }
        if (trustCert != null && !trustCert.isBlank()) {
            try {
                builder.trustCertificate(java.nio.file.Path.of(trustCert));
            } catch (IllegalArgumentException e) {
                err().println("Error: bad --trust-cert / FASTWORKER_TRUST_CERT: " + e.getMessage());
                return ExitCode.USAGE;
            }
        }
        if (token != null && !token.isBlank()) {
            try {
                builder.token(token.strip());
            } catch (IllegalArgumentException e) {
                err().println("Error: bad --token / FASTWORKER_TOKEN: " + e.getMessage());
                return ExitCode.USAGE;
            }
        }
        try (CliTelemetry telemetry = CliTelemetry.open(err());
                FastWorkerClient client = builder.openTelemetry(telemetry.openTelemetry()).build();
                Scope parent = CliTelemetry.parent().makeCurrent()) {
            return run(client);
        } catch (FastWorkerException e) {
            if (e.status() == 0) {
                err().println("Error: " + e.getMessage() + "; is it running? set --url or FASTWORKER_URL");
                return ExitCode.UNREACHABLE;
            }
            return refused(e);
        }
    }

    /** The command's work; a refusal or an unreachable control plane may be thrown as a FastWorkerException. */
    abstract int run(FastWorkerClient client);

    /** Prints a refusal from the control plane and picks the exit code that matches it. */
    int refused(FastWorkerException e) {
        err().println("Error: " + e.getMessage());
        if (e.status() == 401 || e.status() == 403) {
            err().println(e.status() == 401 ? "Pass an API key with --token or FASTWORKER_TOKEN"
                    : "Use an API key with the role this command needs");
            return ExitCode.NOT_ALLOWED;
        }
        return e.status() == 400 ? ExitCode.USAGE : ExitCode.TASK_FAILED_OR_NOT_FOUND;
    }
}
