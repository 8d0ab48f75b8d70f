package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's package; {@code .ci/run} installs it) scrapes the control plane's {@code /q/metrics}
 * and the FastWorker metrics come back through its query API.
 */
class PrometheusIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void prometheusScrapesTheControlPlaneMetrics() throws Exception {
        Path binary = Path.of(System.getenv().getOrDefault("PROMETHEUS_BIN", "/usr/bin/prometheus"));
        if (!Files.isExecutable(binary)) {
            // CI installs Prometheus and sets FASTWORKER_REQUIRE_PROMETHEUS, so there this fails instead.
            Assumptions.assumeFalse(System.getenv("FASTWORKER_REQUIRE_PROMETHEUS") == null,
                    "no Prometheus at " + binary + " (apt-get install prometheus); skipped");
            throw new AssertionError("FASTWORKER_REQUIRE_PROMETHEUS is set but there is no Prometheus at " + binary);
        }
        Path dir = Files.createTempDirectory("fastworker-prometheus-");
        // One slot and long tasks keep some submissions queued while Prometheus scrapes.
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONCURRENCY", "1"))) {
            int port = Daemon.freePort();
            Process prometheus = prometheus(binary, dir, cp.port, port);
            try {
                for (int i = 0; i < 7; i++) {
                    assertEquals(202,
                            cp.post("/tasks", "{\"task\": \"sleep\", \"args\": [3000], \"priority\": \"high\"}")
                                    .statusCode());
                }
                String base = "http://127.0.0.1:" + port;
                double submitted = awaitValue(base, "sum(fastworker_tasks_submitted_total)", v -> v == 7, prometheus);
                assertEquals(7, submitted);
                double depth = awaitValue(base, "fastworker_queue_depth{priority=\"high\"}", v -> v >= 1, prometheus);
                assertTrue(depth >= 1 && depth <= 6, "queued high-priority tasks seen by Prometheus: " + depth);
                double low = awaitValue(base, "fastworker_queue_depth{priority=\"low\"}", v -> true, prometheus);
                assertEquals(0, low);
            } finally {
                prometheus.destroy();
                prometheus.waitFor(20, TimeUnit.SECONDS);
            }
        } finally {
            Daemon.deleteTree(dir);
        }
    }

    /**
     * Every query of the Grafana dashboard (deploy/grafana/fastworker.json) shows more than nothing from a Prometheus that has
     * scraped a busy control plane: tasks succeeding, failing, retried, redelivered after a subworker was killed,
     * waiting on a limit.
     */
    @Test
    void everyPanelOfTheGrafanaDashboardShowsData() throws Exception {
        Path binary = Path.of(System.getenv().getOrDefault("PROMETHEUS_BIN", "/usr/bin/prometheus"));
        Assumptions.assumeTrue(Files.isExecutable(binary) || System.getenv("FASTWORKER_REQUIRE_PROMETHEUS") != null,
                "no Prometheus at " + binary + "; skipped");
        JsonNode dashboard = JSON.readTree(Path.of("..", "deploy", "grafana", "fastworker.json").toFile());
        Map<String, String> queries = new java.util.LinkedHashMap<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode t : panel.get("targets")) {
                queries.put(t.get("expr").asText(), panel.get("title").asText());
            }
        }
        assertTrue(queries.size() >= 8, queries.toString());
        Path dir = Files.createTempDirectory("fastworker-grafana-");
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
                Daemon w1 = Daemon.subworker(cp.linkAddress(), "g1", 2, Map.of(), true)) {
            int port = Daemon.freePort();
            Process prometheus = prometheus(binary, dir, cp.port, port);
            try {
                String base = "http://127.0.0.1:" + port;
                awaitValue(base, "sum(fastworker_workers_active)", v -> v == 1, prometheus);
                // A subworker killed while it runs two long tasks: they are redelivered to the next one.
                cp.post("/tasks", "{\"task\": \"sleep\", \"args\": [20000]}");
                cp.post("/tasks", "{\"task\": \"sleep\", \"args\": [20000]}");
                Thread.sleep(1500);
                w1.kill();
                try (Daemon w2 = Daemon.subworker(cp.linkAddress(), "g2", 4, Map.of(), true)) {
                    cp.request("PUT", "/limits/sleep", "{\"maxConcurrency\": 1}", Map.of());
                    for (int i = 0; i < 50; i++) {
                        cp.post("/tasks", "{\"task\": \"add\", \"args\": [" + i + ", 1]}");
                    }
                    for (int i = 0; i < 5; i++) {
                        cp.post("/tasks", "{\"task\": \"fail\", \"args\": [\"no\"], \"maxRetries\": 1, "
                                + "\"retryDelay\": \"100ms\"}");
                        cp.post("/tasks", "{\"task\": \"sleep\", \"args\": [10], \"priority\": \"low\"}");
                    }
                    for (var q : queries.entrySet()) {
                        double v = awaitValue(base, q.getKey(), x -> x > 0, prometheus);
                        System.out.printf("dashboard panel '%s': %s = %s%n", q.getValue(), q.getKey(), v);
                    }
                }
            } finally {
                prometheus.destroy();
                prometheus.waitFor(20, TimeUnit.SECONDS);
            }
        } finally {
            Daemon.deleteTree(dir);
        }
    }

    /** A Prometheus scraping the control plane on {@code target} every second, listening on {@code port}. */
    static Process prometheus(Path binary, Path dir, int target, int port) throws java.io.IOException {
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: fastworker
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(target));
        return new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path="
                + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    }

    /** Polls an instant query until one of the samples it returns is accepted by {@code done}. */
    static double awaitValue(String base, String query, java.util.function.DoublePredicate done, Process prometheus)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            assertTrue(prometheus.isAlive(),
                    "prometheus exited: " + new String(prometheus.getInputStream().readAllBytes()));
            try {
                HttpResponse<String> r = Daemon.HTTP.send(HttpRequest.newBuilder(URI.create(base
                        + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                last = r.body();
                JsonNode result = JSON.readTree(r.body()).path("data").path("result");
                for (JsonNode sample : result) {
                    double v = Double.parseDouble(sample.path("value").get(1).asText());
                    if (done.test(v)) {
                        return v;
                    }
                }
            } catch (java.io.IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Prometheus query " + query + " did not give the expected value in 40 s: " + last);
    }
}
