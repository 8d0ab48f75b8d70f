package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's Quick start as a newcomer pastes it, once the build is done: the daemon's command as written (what
 * follows the build's {@code &&}), then the first task's {@code curl} as written, answered with its result; the
 * dashboard and the API's description answer where the README says. It runs in a directory of its own, so the
 * store ({@code ./fastworker-data}) is made there, as on a fresh checkout.
 */
class QuickStartIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    /** The {@code n}-th bash block of the Quick start (0: the build and the daemon). */
    static String block(int n) throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf("## Quick start");
        int from = section;
        for (int i = 0; i <= n; i++) {
            from = readme.indexOf("```bash\n", from) + "```bash\n".length();
        }
        return readme.substring(from, readme.indexOf("\n```", from)).strip();
    }

    @Test
    void theDaemonsCommandAndTheFirstTaskWorkAsWritten() throws Exception {
        String start = block(0);
        assertTrue(start.startsWith("./mvnw -B package -DskipTests && java "), start);
        String daemon = start.substring(start.indexOf("&& ") + 3);
        String firstTask = block(1);
        assertTrue(firstTask.startsWith("curl "), "the second block is the first task: " + firstTask);
        Path dir = Files.createTempDirectory("fastworker-quick-start-");
        Files.createSymbolicLink(dir.resolve("daemon"), ROOT.resolve("daemon"));
        Path log = dir.resolve("daemon.log");
        Process p = new ProcessBuilder("bash", "-c", "exec " + daemon).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitReady(p, log);
            Process curl = new ProcessBuilder("bash", "-c", firstTask).directory(dir.toFile())
                    .redirectErrorStream(true).start();
            String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, curl.waitFor(), out);
            assertTrue(out.contains("\"status\":\"success\"") && out.contains("\"result\":5"), out);
            for (String page : new String[] {"/ui/", "/q/openapi"}) {
                HttpResponse<String> r = get(page);
                assertEquals(200, r.statusCode(), page + ": " + r.body());
            }
            assertTrue(Files.isDirectory(dir.resolve("fastworker-data")), "the store is ./fastworker-data");
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            Daemon.deleteTree(dir);
        }
    }

    static HttpResponse<String> get(String path) throws Exception {
        return Daemon.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8080" + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void awaitReady(Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new AssertionError("the daemon exited: " + Files.readString(log));
            }
            try {
                if (get("/q/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not ready in 60 s: " + Files.readString(log));
    }
}
