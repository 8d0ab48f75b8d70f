package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests run for real: the JVM image built from Dockerfile.jvm, and the local-podman overlay
 * started with {@code podman kube play}: a control-plane pod and two subworker pods on the host network. Needs
 * podman and a Java base image ({@code FASTWORKER_PODMAN_BASE}, default {@code localhost/debian-jre:25}); .ci/run
 * makes both and sets {@code FASTWORKER_REQUIRE_PODMAN}, elsewhere the test is skipped without them. In the Java 25
 * run ({@code -Dfastworker.it.aot-caches}, the daemon built with {@code -Daot}) the image build trains its AOT caches
 * and every process must run on its role's cache; otherwise the image has none and every process starts without.
 */
class PodmanIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String BASE = System.getenv().getOrDefault("FASTWORKER_PODMAN_BASE", "localhost/debian-jre:25");
    /** The Java 25 run: the daemon is an aot-jar, so the image build makes the caches. */
    static final boolean AOT = Daemon.AOT && Daemon.AOT_CACHES != null;
    static final String URL = "http://127.0.0.1:8080";

    record Run(int exit, String out) {
    }

    static Run podman(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("podman", "--runtime", "/usr/sbin/runc"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).directory(ROOT.toFile());
        Path conf = Files.createTempFile("containers-", ".conf");
        // podman's default ulimits cannot be applied on our machines (../shared/reference/containers-here.md)
        Files.writeString(conf, "[containers]\ndefault_ulimits = []\n");
        pb.environment().put("CONTAINERS_CONF", conf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = p.waitFor();
        Files.deleteIfExists(conf);
        return new Run(exit, out);
    }

    static boolean available() {
        try {
            return podman("image", "exists", BASE).exit() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static HttpResponse<String> get(String path) throws Exception {
        return Daemon.HTTP.send(HttpRequest.newBuilder(URI.create(URL + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String body) throws Exception {
        return Daemon.HTTP.send(HttpRequest.newBuilder(URI.create(URL + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static void assertFree(int port) throws IOException {
        try (ServerSocket s = new ServerSocket(port)) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new AssertionError("port " + port + " is taken; the local-podman overlay runs on 8080, 5555, 8081 "
                    + "and 8082 of the host network", e);
        }
    }

    /** Waits until the control plane answers ready and the given subworkers have joined; returns how long. */
    static Duration awaitUp(Set<String> subworkers, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                if (get("/q/health/ready").statusCode() == 200) {
                    JsonNode workers = JSON.readTree(get("/workers").body());
                    Set<String> joined = new java.util.HashSet<>();
                    workers.forEach(w -> joined.add(w.get("id").asText()));
                    last = joined.toString();
                    if (joined.containsAll(subworkers)) {
                        return Duration.ofNanos(System.nanoTime() - t0);
                    }
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("pods not up within " + timeout + ": " + last + "\n"
                + podman("ps", "-a").out() + podman("logs", "fastworker-control-plane-pod-0-control-plane").out());
    }

    static JsonNode await(String id, Set<String> states) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode t = null;
        while (System.currentTimeMillis() < deadline) {
            t = JSON.readTree(get("/tasks/" + id).body());
            if (states.contains(t.path("status").asText())) {
                return t;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(id + " not " + states + ": " + t);
    }

    /** A README section's commands (its first bash block) and the command that stops what they started. */
    record ReadmeSection(String commands, String stop) {
        static ReadmeSection read() throws IOException {
            return read("### Without a cluster: podman");
        }

        static ReadmeSection read(String heading) throws IOException {
            String readme = Files.readString(ROOT.resolve("README.md"));
            int section = readme.indexOf(heading);
            assertTrue(section >= 0, "the README has a section " + heading);
            int from = readme.indexOf("```bash\n", section) + "```bash\n".length();
            String commands = readme.substring(from, readme.indexOf("\n```", from));
            java.util.regex.Matcher stop = java.util.regex.Pattern.compile("Stop them with `([^`]+)`")
                    .matcher(readme.substring(section));
            assertTrue(stop.find(), "the section says how to stop them");
            return new ReadmeSection(commands, stop.group(1));
        }
    }

    static Run bash(String script) throws Exception {
        Process p = new ProcessBuilder("bash", "-e", "-o", "pipefail", "-c", script).directory(ROOT.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    @Test
    void theReadmesCommandsRunTheManifestsAndTheyKeepWhatTheyAcceptedThroughAReplacedControlPlanePod()
            throws Exception {
        Assumptions.assumeTrue(available() || System.getenv("FASTWORKER_REQUIRE_PODMAN") != null,
                "podman or the base image " + BASE + " is missing; skipped");
        assertTrue(available(), "FASTWORKER_REQUIRE_PODMAN is set but podman cannot find " + BASE);
        for (int port : new int[] {8080, 5555, 8081, 8082, 9000}) {
            assertFree(port);
        }
        ReadmeSection readme = ReadmeSection.read();
        Path rendered = Path.of("/tmp/fastworker-podman.yaml");
        podman("volume", "rm", "-f", "fastworker-data"); // a fresh machine: podman makes the store's volume
        Path dir = Files.createTempDirectory("fastworker-podman-");
        Path secondFile = dir.resolve("subworker-2.yaml");
        Path cpFile = dir.resolve("control-plane.yaml");
        try {
            long t0 = System.nanoTime();
            Run run = bash(readme.commands());
            assertEquals(0, run.exit(), "the README's commands, as written:\n" + run.out());
            assertTrue(run.out().contains("\"result\":5"), run.out());
            assertTrue(run.out().contains("healthy"), "its probe runs in the container, without curl: " + run.out());
            long readmeMs = (System.nanoTime() - t0) / 1_000_000;
            String size = podman("image", "inspect", "--format", "{{.Size}}", "localhost/fastworker:jvm").out().strip();

            ObjectNode controlPlane = null;
            ObjectNode subworker = null;
            List<JsonNode> config = new ArrayList<>();
            for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(rendered))
                    .readAll()) {
                String kind = doc.path("kind").asText();
                String name = doc.path("metadata").path("name").asText();
                if (kind.equals("ConfigMap")) {
                    config.add(doc);
                } else if (kind.equals("Deployment") && name.equals("fastworker-control-plane")) {
                    controlPlane = (ObjectNode) doc;
                } else if (kind.equals("Deployment") && name.equals("fastworker-subworker")) {
                    subworker = (ObjectNode) doc;
                } else {
                    throw new AssertionError("the overlay renders only what podman runs, not a " + kind);
                }
            }
            // The subworker's container starts beside the control plane's and may still be starting (its startup
            // probe allows it two minutes): its probe passes once it is up.
            boolean healthy = false;
            for (long until = System.nanoTime() + Duration.ofSeconds(60).toNanos(); !healthy
                    && System.nanoTime() < until;) {
                healthy = podman("healthcheck", "run", "fastworker-subworker-pod-0-subworker").exit() == 0;
                if (!healthy) {
                    Thread.sleep(1000);
                }
            }
            assertTrue(healthy, "the subworker's probe passes too: " + podman("logs", "--tail", "40",
                    "fastworker-subworker-pod-0-subworker").out());
            assertCache("fastworker-control-plane-pod-0-control-plane", "control-plane");
            assertCache("fastworker-subworker-pod-0-subworker", "subworker");
            // A second subworker pod: podman runs one pod per Deployment, each on the host network, so on its own port.
            ObjectNode second = subworker.deepCopy();
            ((ObjectNode) second.get("metadata")).put("name", "fastworker-subworker-2");
            ObjectNode container = (ObjectNode) second.at("/spec/template/spec/containers/0");
            ((ArrayNode) container.get("env")).addObject().put("name", "QUARKUS_HTTP_PORT").put("value", "8082");
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                ((ArrayNode) container.get(probe).get("exec").get("command")).set(1,
                        JSON.getNodeFactory().textNode("8082"));
            }
            write(secondFile, List.of(config.get(0), second));
            List<JsonNode> cpDocs = new ArrayList<>(config);
            cpDocs.add(controlPlane);
            write(cpFile, cpDocs);
            long start = System.nanoTime();
            assertEquals(0, podman("kube", "play", "--network", "host", secondFile.toString()).exit());
            Set<String> pods = Set.of("fastworker-subworker-pod-0", "fastworker-subworker-2-pod-0");
            awaitUp(pods, Duration.ofSeconds(120));
            Duration up = Duration.ofNanos(System.nanoTime() - start);
            assertCache("fastworker-subworker-2-pod-0-subworker", "subworker");

            List<String> ids = new ArrayList<>();
            for (int b = 0; b < 2; b++) {
                StringBuilder body = new StringBuilder("[");
                for (int i = 0; i < 500; i++) {
                    body.append(i == 0 ? "" : ",").append("{\"task\": \"add\", \"args\": [").append(b * 500 + i)
                            .append(", 1]}");
                }
                HttpResponse<String> r = post("/tasks/batch", body.append("]").toString());
                assertEquals(202, r.statusCode(), r.body());
                JSON.readTree(r.body()).get("ids").forEach(id -> ids.add(id.asText()));
            }
            Map<String, Integer> byWorker = new HashMap<>();
            for (String id : ids) {
                JsonNode t = await(id, Set.of("success", "failure"));
                assertEquals("success", t.get("status").asText(), t.toString());
                byWorker.merge(t.get("worker").asText(), 1, Integer::sum);
            }
            assertEquals(pods, byWorker.keySet(), "both subworker pods ran some: " + byWorker);

            // The control-plane pod replaced, its volume kept: what it accepted and finished is still there.
            String later = JSON.readTree(post("/tasks", "{\"task\": \"noop\", \"countdown\": \"PT1H\"}").body())
                    .get("id").asText();
            assertEquals(0, podman("pod", "rm", "-f", "-t", "30", "fastworker-control-plane-pod-0").exit());
            long again = System.nanoTime();
            assertEquals(0, podman("kube", "play", "--network", "host", cpFile.toString()).exit());
            awaitUp(pods, Duration.ofSeconds(120));
            Duration replaced = Duration.ofNanos(System.nanoTime() - again);
            assertEquals("scheduled", JSON.readTree(get("/tasks/" + later).body()).get("status").asText());
            assertEquals(1000, JSON.readTree(get("/tasks/" + ids.get(999)).body()).get("result").asInt(),
                    "results survive the replaced pod");

            // The subworker pods stopped while they run tasks: they drain, and nothing is lost.
            List<String> sleeps = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                sleeps.add(JSON.readTree(post("/tasks", "{\"task\": \"sleep\", \"args\": [2000]}").body()).get("id")
                        .asText());
            }
            Thread.sleep(500);
            Run down = podman("pod", "stop", "-t", "60", "fastworker-subworker-pod-0", "fastworker-subworker-2-pod-0");
            assertEquals(0, down.exit(), down.out());
            for (String id : sleeps) {
                assertEquals("success", await(id, Set.of("success", "failure")).get("status").asText());
            }
            System.out.printf("podman%s: the README's commands (image built, a control plane and a subworker pod "
                    + "started, a task run) in %d ms; image localhost/fastworker:jvm %s bytes; a second subworker pod "
                    + "ready and joined in %d ms; a replaced control-plane pod in %d ms; 1,000 tasks by worker %s%n",
                    AOT ? " (AOT caches)" : "", readmeMs, size, up.toMillis(), replaced.toMillis(), byWorker);
        } finally {
            podman("kube", "down", secondFile.toString());
            Run stop = bash("export CONTAINERS_CONF=/etc/containers/fastworker.conf; " + readme.stop());
            assertEquals(0, stop.exit(), "the README's stop command: " + stop.out());
            Daemon.deleteTree(dir);
        }
    }

    /**
     * The container's JVM (its process 1: the entry point execs java) has its role's AOT cache mapped when the image
     * has caches, and none otherwise: the JVM maps a cache only once it has validated it.
     */
    static void assertCache(String container, String role) throws Exception {
        Run maps = podman("exec", container, "cat", "/proc/1/maps");
        assertEquals(0, maps.exit(), maps.out());
        String cache = "/deployments/" + role + ".aot";
        Run files = podman("exec", container, "bash", "-c", "ls /deployments/*.aot 2>/dev/null | wc -l");
        if (AOT) {
            assertEquals("3", files.out().strip(), "the image build made the three caches");
            assertTrue(maps.out().contains(cache), container + " runs on " + cache);
            String log = podman("logs", container).out();
            assertTrue(!log.contains("[aot]"), "the JVM had nothing to say about its cache: " + log);
        } else {
            assertEquals("0", files.out().strip(), "a fast-jar image has no cache (train-aot refuses it)");
            assertTrue(!maps.out().contains(".aot"), container + " starts without a cache");
        }
    }

    static void write(Path file, List<JsonNode> docs) throws IOException {
        StringBuilder b = new StringBuilder();
        for (JsonNode d : docs) {
            b.append(YAML.writeValueAsString(d));
        }
        Files.writeString(file, b.toString());
    }
}
