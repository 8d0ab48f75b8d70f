package io.fastworker.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged application started as a real process, as a user would run it. */
public final class Daemon implements AutoCloseable {

    /** The packaged stock daemon, as the build passes it (see this module's pom). */
    static final Path JAR = packaged("daemon");
    /** The Python subworker example. */
    static final String PYTHON_SUBWORKER = System.getProperty("fastworker.it.python-subworker",
            "../examples/python_subworker.py");

    /** A packaged application the tests start: {@code daemon}, {@code signup} or {@code custom-worker}. */
    static Path packaged(String name) {
        String path = System.getProperty("fastworker.it." + name);
        if (path == null) {
            throw new IllegalStateException("system property fastworker.it." + name + " is not set: run the tests "
                    + "through Maven (./mvnw -B verify) so that the build passes the packaged applications");
        }
        return Path.of(path);
    }
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Output and exit status of a finished process. */
    public record Result(int exitCode, String stdout, String stderr) {
        String all() {
            return stdout + stderr;
        }
    }

    private final Process process;
    private final Path log;
    /** The task store this class made for the daemon, deleted with it; null when the test chose the store. */
    private Path ownStore;
    public final int port;
    public final int linkPort;

    private Daemon(Process process, Path log, int port, int linkPort) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.linkPort = linkPort;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** kill -9: no chance to clean up. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait for the exit status. */
    public int terminate(Duration timeout) throws InterruptedException {
        signalTerm();
        return awaitExit(timeout);
    }

    /** SIGTERM, without waiting. */
    public void signalTerm() {
        process.destroy();
    }

    /** Waits for the process to exit and returns its status; kills it if it does not exit in time. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("did not exit within " + timeout);
        }
        return process.exitValue();
    }

    public String linkAddress() {
        return "tcp://127.0.0.1:" + linkPort;
    }

    /** A control plane on free HTTP and link ports. */
    public static Daemon controlPlane(Map<String, String> env, String... args) throws Exception {
        return controlPlaneOnLink(env, freePort(), args);
    }

    /** A control plane on the given link port (to restart one where its subworkers expect it). */
    public static Daemon controlPlaneOnLink(Map<String, String> env, int linkPort, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--role", "control-plane", "--link-port", String.valueOf(linkPort)));
        all.addAll(List.of(args));
        return launch(env, linkPort, all, true);
    }

    /**
     * A control plane whose process may write no file larger than {@code kilobytes} ({@code ulimit -f}): its task
     * store runs out of room the way it would on a full disk.
     */
    public static Daemon controlPlaneWithFileSizeLimit(Map<String, String> env, int kilobytes) throws Exception {
        int linkPort = freePort();
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + kilobytes + " && exec \"$@\"",
                "bash"));
        int port = freePort();
        cmd.addAll(command(JAR, List.of("-Dquarkus.http.port=" + port), List.of("--role", "control-plane",
                "--link-port", String.valueOf(linkPort))));
        Path log = Files.createTempFile("fastworker-daemon-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Daemon d = new Daemon(pb.start(), log, port, linkPort);
        d.awaitReady(Duration.ofSeconds(60));
        return d;
    }

    /**
     * A member of a cluster on the given ports, its settings in {@code env}; not awaited, since a follower is never
     * ready.
     */
    public static Daemon clusterMember(Map<String, String> env, int port, int linkPort) throws Exception {
        Path log = Files.createTempFile("fastworker-member-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command(JAR, List.of("-Dquarkus.http.port=" + port),
                List.of("--role", "control-plane", "--link-port", String.valueOf(linkPort))))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new Daemon(pb.start(), log, port, linkPort);
    }

    /** SIGSTOP: the process stands still, its sockets open. */
    public void pause() throws Exception {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() throws Exception {
        signal("CONT");
    }

    private void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    /** Whether {@code /q/health/ready} answers 200 now. */
    public boolean ready() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A subworker configured only through environment variables, as in a Kubernetes pod spec. */
    public static Daemon subworkerFromEnvironment(Map<String, String> env, boolean awaitJoined) throws Exception {
        return launch(env, -1, List.of("--role", "subworker"), awaitJoined);
    }

    /** A subworker dialing the given link address; waits until it has joined unless told not to. */
    public static Daemon subworker(String linkAddress, String workerId, int concurrency, Map<String, String> env,
            boolean awaitJoined) throws Exception {
        return launch(env, -1, List.of("--role", "subworker", "--control-plane-address", linkAddress,
                "--worker-id", workerId, "--concurrency", String.valueOf(concurrency)), awaitJoined);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /**
     * A port that no process listens on now and that no other call here handed out. It is taken below the kernel's
     * ephemeral range (32768 and up): a port from there can be handed out again at once, and taken by any outgoing
     * connection before the daemon binds it (a member once found its Raft port in use as another member's HTTP port).
     */
    static int freePort() throws IOException {
        for (int tries = 0; tries < 1000; tries++) {
            int port = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(12000);
            synchronized (HANDED_OUT) {
                if (HANDED_OUT.contains(port)) {
                    continue;
                }
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new java.net.InetSocketAddress(port));
                } catch (IOException inUse) {
                    continue;
                }
                HANDED_OUT.add(port);
                return port;
            }
        }
        throw new IOException("no free port in 20000-31999 after 1000 tries");
    }

    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();

    /**
     * Where the daemon's JVM caches from {@code fastworker train-aot} are ({@link JvmCaches#find}), or null: every
     * process of the daemon is then started with its role's cache, which it must use. On Java 25+ they are AOT caches
     * ({@code -XX:AOTMode=on}), before that class-data-sharing archives ({@code -Xshare:on}): one the JVM cannot use
     * stops it.
     */
    static final Path AOT_CACHES = JvmCaches.find(JAR);

    /** Whether the caches are AOT caches (Java 25+) rather than class-data-sharing archives. */
    static final boolean AOT = JvmCaches.AOT;

    /** The cache of a role ({@code control-plane}, {@code subworker} or {@code cli}). */
    static Path cacheOf(String role) {
        return AOT_CACHES.resolve(role + (AOT ? ".aot" : ".jsa"));
    }

    /** The flags that start a process of the daemon with its role's cache (a client command: the CLI's). */
    static List<String> aotCache(List<String> args) {
        int at = args.indexOf("--role");
        String role = at >= 0 && at + 1 < args.size() ? args.get(at + 1) : "cli";
        Path cache = cacheOf(role.equals("control-plane") || role.equals("subworker") ? role : "cli");
        return AOT ? List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache)
                : List.of("-Xshare:on", "-XX:SharedArchiveFile=" + cache);
    }

    static List<String> command(List<String> jvmArgs, List<String> args) {
        return command(JAR, jvmArgs, args);
    }

    static List<String> command(Path jar, List<String> jvmArgs, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.add("-XX:+ExitOnOutOfMemoryError"); // as the README runs it
        if (AOT_CACHES != null && jar.equals(JAR)) {
            cmd.addAll(aotCache(args));
        }
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(args);
        return cmd;
    }

    /** Starts a daemon on a free HTTP port (and a free link port) and waits until it is ready. */
    public static Daemon start(Map<String, String> env, String... args) throws Exception {
        int linkPort = freePort();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--link-port", String.valueOf(linkPort)));
        return launch(env, linkPort, all, true);
    }

    private static Daemon launch(Map<String, String> env, int linkPort, List<String> args, boolean awaitReady)
            throws Exception {
        return launch(JAR, env, linkPort, args, awaitReady);
    }

    /**
     * A subworker on {@code host} (another network namespace) dialing {@code linkAddress}; not awaited, since its
     * health port is on that host: watch the control plane's {@code GET /workers} instead.
     */
    public static Daemon subworkerOn(OtherHost host, String linkAddress, String workerId, Map<String, String> env)
            throws Exception {
        int port = freePort();
        Path log = Files.createTempFile("fastworker-other-", ".log");
        ProcessBuilder pb = new ProcessBuilder(host.inside(command(JAR, List.of("-Dquarkus.http.port=" + port),
                List.of("--role", "subworker", "--control-plane-address", linkAddress, "--worker-id", workerId))))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new Daemon(pb.start(), log, port, -1);
    }

    /**
     * A subworker that is another application built on the extension (e.g. the custom worker), dialing the given
     * link address; waits until it has joined.
     */
    public static Daemon subworkerOf(Path jar, String linkAddress, String workerId, Map<String, String> env)
            throws Exception {
        return subworkerOf(jar, linkAddress, workerId, env, true);
    }

    /** As {@link #subworkerOf(Path, String, String, Map)}, waiting until it has joined only if told to. */
    public static Daemon subworkerOf(Path jar, String linkAddress, String workerId, Map<String, String> env,
            boolean awaitJoined) throws Exception {
        return launch(jar, env, -1, List.of("--role", "subworker", "--control-plane-address", linkAddress,
                "--worker-id", workerId), awaitJoined);
    }

    private static Daemon launch(Path jar, Map<String, String> env, int linkPort, List<String> args,
            boolean awaitReady) throws Exception {
        int port = freePort();
        Path log = Files.createTempFile("fastworker-daemon-", ".log");
        ProcessBuilder pb = new ProcessBuilder(command(jar, List.of("-Dquarkus.http.port=" + port), args))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Path ownStore = null;
        if (!env.containsKey("FASTWORKER_STORE_PATH")) {
            // Each control plane its own task store, unless a test restarts one on the same store.
            ownStore = Files.createTempDirectory("fastworker-store-");
            pb.environment().put("FASTWORKER_STORE_PATH", ownStore.toString());
        }
        Daemon d = new Daemon(pb.start(), log, port, linkPort);
        d.ownStore = ownStore;
        if (awaitReady) {
            d.awaitReady(Duration.ofSeconds(60));
        }
        return d;
    }

    /** Another packaged Quarkus application (e.g. the signup example) on a free port; waits until it answers. */
    public static Daemon app(Path jar, Map<String, String> env) throws Exception {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build the whole project (./mvnw -B verify at the "
                    + "root), not the integration-tests module alone");
        }
        int port = freePort();
        Path log = Files.createTempFile("fastworker-app-", ".log");
        ProcessBuilder pb = new ProcessBuilder(java(), "-Dquarkus.http.port=" + port, "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Daemon d = new Daemon(pb.start(), log, port, -1);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                d.get("/");
                return d;
            } catch (IOException notYet) {
                if (!d.alive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException(jar + " did not start:\n" + d.log());
                }
                Thread.sleep(100);
            }
        }
    }

    /** Waits until {@code /q/health/ready} answers 200 (a subworker: until it has joined). */
    public void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited with " + process.exitValue() + ":\n" + log());
            }
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("daemon not ready within " + timeout + ":\n" + log());
    }

    public String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    public HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String json) throws Exception {
        return post(path, json, Map.of());
    }

    public HttpResponse<String> post(String path, String json, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> delete(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30)).DELETE()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Any request: {@code body} (JSON) may be null; {@code headers} are sent as given. */
    public HttpResponse<String> request(String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of one series in a Prometheus scrape, or -1 when the series is missing. */
    /**
     * Reads {@code read} every 50 ms until {@code done} holds, and returns that reading; fails naming {@code what}
     * and the last reading once {@code timeout} passed.
     */
    public static <T> T await(java.util.concurrent.Callable<T> read, java.util.function.Predicate<T> done,
            Duration timeout, String what) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = read.call();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " within " + timeout + "; last seen: " + last);
            }
            Thread.sleep(50);
            last = read.call();
        }
        return last;
    }

    /** Asserts {@code r} is an {@code application/problem+json} answer with {@code status}; returns its body. */
    public static com.fasterxml.jackson.databind.JsonNode problem(HttpResponse<String> r, int status, String what)
            throws IOException {
        org.junit.jupiter.api.Assertions.assertEquals(status, r.statusCode(), what + ": " + r.body());
        org.junit.jupiter.api.Assertions.assertTrue(r.headers().firstValue("Content-Type").orElse("")
                .startsWith("application/problem+json"), what + " is a problem: " + r.headers().map());
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    }

    public static double metric(String metrics, String series) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + java.util.regex.Pattern.quote(series)
                + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** Runs the binary to completion (a client command, or a daemon expected to exit by itself). */
    public static Result run(Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile("fastworker-cli-", ".out");
        Path err = Files.createTempFile("fastworker-cli-", ".err");
        ProcessBuilder pb = new ProcessBuilder(command(List.of(), List.of(args)))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("FASTWORKER_URL");
        pb.environment().putAll(env);
        Path ownStore = null;
        if (!env.containsKey("FASTWORKER_STORE_PATH")) {
            ownStore = Files.createTempDirectory("fastworker-store-");
            pb.environment().put("FASTWORKER_STORE_PATH", ownStore.toString());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("fastworker " + String.join(" ", args) + " did not finish in 90 s");
        }
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
        deleteTree(ownStore);
        return r;
    }

    /** SIGTERM, then waits for a clean exit. */
    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
        Files.deleteIfExists(log);
        deleteTree(ownStore);
    }

    /** Deletes a directory this class created for a daemon's task store (null: nothing). */
    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
