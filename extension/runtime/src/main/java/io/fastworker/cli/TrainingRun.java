package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.TaskRequest;
import io.fastworker.client.TaskResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * One training run of {@link TrainAotCommand}: starts a control plane and a subworker on loopback, each JVM
 * recording its cache ({@link JvmCache}), burns down tasks through both, calls the CLI once (recording its cache), then stops them
 * so that their caches are written. Fails, naming the step and showing its log, when a step does not complete in
 * {@link #STEP}.
 */
final class TrainingRun {

    /** Longest one step may take (a start, the burn-down, a stop that writes a cache). */
    static final Duration STEP = Duration.ofMinutes(3);
    private static final int BATCH = 500;
    private static final String WORKER = "aot-training";
    /** The processes that record a cache, each named as its cache is. */
    private static final List<String> ROLES = List.of("control-plane", "subworker", "cli");

    /** The options of this JVM its training JVMs get too, so that the caches fit JVMs started the same way. */
    private static final List<String> FORWARDED = forwarded(
            ManagementFactory.getRuntimeMXBean().getInputArguments());

    private final JvmCache kind;
    private final Path java;
    private final Path jar;
    private final Path output;
    private final int tasks;
    private final String task;
    private final PrintWriter out;
    private final PrintWriter err;
    private final List<Process> started = new ArrayList<>();
    private Path work;

    TrainingRun(JvmCache kind, Path java, Path jar, Path output, int tasks, String task, PrintWriter out,
            PrintWriter err) {
        this.kind = kind;
        this.java = java;
        this.jar = jar;
        this.output = output;
        this.tasks = tasks;
        this.task = task;
        this.out = out;
        this.err = err;
    }

    /** Runs the training; an exit code of the CLI. */
    int run() {
        long t0 = System.nanoTime();
        try {
            work = Files.createTempDirectory("fastworker-aot-training-");
            train();
            out.printf("%s written in %d s:%n", kind.what, (System.nanoTime() - t0) / 1_000_000_000);
            for (String role : ROLES) {
                Path cache = cache(role);
                out.printf("  %s (%d MB): java %s -jar %s ...%n", cache, Files.size(cache) >> 20, kind.useOf(cache),
                        jar);
            }
            return ExitCode.OK;
        } catch (IOException | RuntimeException e) { // a control plane that refused the client's calls too
            started.forEach(Process::destroyForcibly);
            for (String role : ROLES) {
                cache(role).toFile().delete();
                output.resolve(role + ".aot.config").toFile().delete(); // the JVM's own, left by one killed mid-run
            }
            err.println("Error: the training run failed: " + (e instanceof TrainingFailed ? e.getMessage()
                    : e.toString()) + "; no cache was kept");
            return ExitCode.TASK_FAILED_OR_NOT_FOUND;
        } finally {
            started.forEach(Process::destroyForcibly);
            delete(work);
        }
    }

    private void train() throws IOException {
        for (String role : ROLES) {
            Files.deleteIfExists(cache(role)); // a cache left from an earlier run must not pass for this one's
        }
        int http = freePort();
        int link = freePort();
        Process controlPlane = start("control-plane", List.of("-Dquarkus.http.port=" + http, "-jar", jar.toString(),
                "--role", "control-plane", "--link-port", String.valueOf(link)));
        String url = "http://127.0.0.1:" + http;
        try (FastWorkerClient client = FastWorkerClient.builder().url(url).requestTimeout(Duration.ofSeconds(10))
                .build()) {
            // readiness, as probes and orchestrators ask it: its first answer is part of a start to ready
            await("the control plane is ready", "control-plane", controlPlane, client::ready);
            if (!known(client)) {
                throw new TrainingFailed("this binary has no task '" + task + "' (--task-name)");
            }
            int subworkerHttp = freePort();
            Process subworker = start("subworker", List.of("-Dquarkus.http.port=" + subworkerHttp, "-jar",
                    jar.toString(), "--role", "subworker", "--control-plane-address", "tcp://127.0.0.1:" + link,
                    "--worker-id", WORKER, "--concurrency", "8"));
            await("the subworker joins", "subworker", subworker, () -> joined(client));
            try (FastWorkerClient probe = FastWorkerClient.builder().url("http://127.0.0.1:" + subworkerHttp)
                    .requestTimeout(Duration.ofSeconds(10)).build()) {
                await("the subworker is ready", "subworker", subworker, probe::ready);
            }
            burnDown(client);
            Process cli = start("cli", List.of("-jar", jar.toString(), "submit", "--url", url, "--task-name", task));
            stop("cli", cli, false);
            stop("subworker", subworker, true);
        }
        stop("control-plane", controlPlane, true);
    }

    private void burnDown(FastWorkerClient client) {
        List<TaskRequest> batch = Collections.nCopies(BATCH, TaskRequest.of(task));
        List<String> last = List.of();
        for (int sent = 0; sent < tasks; sent += BATCH) {
            last = client.delayBatch(batch);
        }
        // Tasks of one priority run in the order they came: once the last batch has ended, all have.
        for (String id : last) {
            TaskResult r = client.result(id, STEP);
            if (!r.succeeded()) {
                throw new TrainingFailed("task " + id + " of the burn-down ended " + r.status() + " ("
                        + r.errorType() + ": " + r.errorMessage() + ")");
            }
        }
    }

    /**
     * The {@code -XX:} options among {@code jvmArgs}, less those that name or use a cache: a cache is refused by a JVM
     * whose object layout differs from the one that made it (compact object headers, say), so training runs with
     * the options the caches will run with.
     */
    static List<String> forwarded(List<String> jvmArgs) {
        return jvmArgs.stream().filter(a -> a.startsWith("-XX:") && !a.startsWith("-XX:AOT")
                && !a.startsWith("-XX:SharedArchiveFile") && !a.startsWith("-XX:+AutoCreateSharedArchive")
                && !a.startsWith("-XX:ArchiveClassesAtExit")).toList();
    }

    private Path cache(String role) {
        return kind.file(output, role);
    }

    private Process start(String role, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(FORWARDED);
        command.add(kind.recordInto(cache(role)));
        command.addAll(args);
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(role + ".log").toFile());
        b.environment().keySet().removeIf(k -> k.startsWith("FASTWORKER_") || k.startsWith("QUARKUS_"));
        b.environment().put("FASTWORKER_STORE_PATH", work.resolve("store").toString());
        b.environment().put("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"); // every task over the link
        Process p = b.start();
        started.add(p);
        return p;
    }

    /** Stops {@code p} ({@code terminate}: SIGTERM, else it ends on its own) and checks it wrote its cache. */
    private void stop(String role, Process p, boolean terminate) throws IOException {
        if (terminate) {
            p.destroy();
        }
        try {
            if (!p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)) {
                throw new TrainingFailed("the " + role + " did not end within " + STEP + log(role));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainingFailed("interrupted");
        }
        if (!terminate && p.exitValue() != 0) {
            throw new TrainingFailed("the " + role + " exited with " + p.exitValue() + log(role));
        }
        if (!Files.isRegularFile(cache(role)) || Files.size(cache(role)) == 0) {
            throw new TrainingFailed("the " + role + " wrote no cache to " + cache(role) + log(role));
        }
    }

    private void await(String what, String role, Process p, BooleanSupplier done) {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (!done.getAsBoolean()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new TrainingFailed(what + ": " + (p.isAlive() ? "not within " + STEP : "it exited with "
                        + p.exitValue()) + log(role));
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TrainingFailed("interrupted");
            }
        }
    }

    private boolean known(FastWorkerClient client) {
        for (JsonNode t : client.registry()) {
            if (t.path("name").asText().equals(task)) {
                return true;
            }
        }
        return false;
    }

    private boolean joined(FastWorkerClient client) {
        for (JsonNode t : client.registry()) {
            if (t.path("name").asText().equals(task)) {
                for (JsonNode w : t.path("subworkers")) {
                    if (w.asText().equals(WORKER)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The last lines of a process's log, to show with a failure. */
    private String log(String role) {
        try {
            List<String> lines = Files.readAllLines(work.resolve(role + ".log"));
            return "; the end of its log:\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 15),
                    lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    /** Why the run stopped. */
    private static final class TrainingFailed extends RuntimeException {
        TrainingFailed(String message) {
            super(message);
        }
    }
}
