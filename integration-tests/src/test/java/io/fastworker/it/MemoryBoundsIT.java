package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A client cannot exhaust the control plane's memory: with a 256 MB heap, 1,000 tasks of 900 KB each from two
 * threads and 2,000 idle connections (1,500 of them slowloris clients) leave it up and answering its readiness
 * probe; what does not fit is refused with 429 (the arguments held are bounded by bytes), results are evicted past
 * their byte bound, and every accepted task runs once a subworker joins.
 */
class MemoryBoundsIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void largeArgumentsAndIdleConnectionsCannotExhaustTheHeap() throws Exception {
        List<Socket> idle = new ArrayList<>();
        // The memory store: the bounds are about the heap, and 900 MB of journal would only slow this test down.
        // Nothing runs the tasks during the burst (no subworker yet, none run here), so they pile up.
        try (Daemon cp = Daemon.controlPlane(Map.of("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:+ExitOnOutOfMemoryError",
                "FASTWORKER_STORE_MODE", "memory", "FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"))) {
            // 2,000 connections: 500 say nothing, 1,500 are slowloris clients that send a request's headers a byte
            // every two seconds and never finish them.
            List<Socket> slow = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", cp.port), 2000);
                idle.add(s);
                if (i % 4 != 0) {
                    s.getOutputStream().write("POST /tasks HTTP/1.1\r\nHost: cp\r\nX-Slow: ".getBytes());
                    slow.add(s);
                }
            }
            var trickle = Executors.newSingleThreadScheduledExecutor();
            trickle.scheduleWithFixedDelay(() -> {
                for (Socket s : slow) {
                    try {
                        s.getOutputStream().write('a');
                    } catch (java.io.IOException e) {
                        // closed by the control plane: fine
                    }
                }
            }, 2, 2, java.util.concurrent.TimeUnit.SECONDS);
            String body = "{\"task\": \"echo\", \"args\": [\"" + "x".repeat(900 * 1024) + "\"]}";
            ConcurrentLinkedQueue<String> accepted = new ConcurrentLinkedQueue<>();
            AtomicInteger refused = new AtomicInteger();
            ConcurrentLinkedQueue<String> unexpected = new ConcurrentLinkedQueue<>();
            ExecutorService clients = Executors.newFixedThreadPool(2);
            List<Future<?>> sent = new ArrayList<>();
            for (int c = 0; c < 2; c++) {
                sent.add(clients.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        try {
                            HttpResponse<String> r = cp.post("/tasks", body);
                            if (r.statusCode() == 202) {
                                accepted.add(JSON.readTree(r.body()).get("id").asText());
                            } else if (r.statusCode() == 429 && r.body().contains("queue-full")) {
                                refused.incrementAndGet();
                            } else {
                                unexpected.add(r.statusCode() + " " + r.body());
                            }
                        } catch (Exception e) {
                            unexpected.add(e.toString());
                        }
                    }
                    return null;
                }));
            }
            List<Long> probes = new ArrayList<>();
            while (sent.stream().anyMatch(f -> !f.isDone())) {
                long t0 = System.nanoTime();
                HttpResponse<String> ready = Daemon.HTTP.send(HttpRequest.newBuilder(URI.create(cp.url()
                        + "/q/health/ready")).timeout(Duration.ofSeconds(1)).build(),
                        HttpResponse.BodyHandlers.ofString());
                probes.add((System.nanoTime() - t0) / 1_000_000);
                assertEquals(200, ready.statusCode(), ready.body());
                Thread.sleep(200);
            }
            for (Future<?> f : sent) {
                f.get();
            }
            clients.shutdown();
            assertTrue(unexpected.isEmpty(), "only 202 or 429 queue-full: " + unexpected.stream().limit(3).toList());
            assertTrue(cp.alive(), "the control plane is still up");
            assertEquals(1000, accepted.size() + refused.get());
            assertTrue(accepted.size() > 0 && refused.get() > 0, "some accepted, the rest refused: " + accepted.size());
            // Every accepted task runs once a subworker joins: its result may since have been evicted by the byte
            // bound, so completions are counted.
            Daemon worker = Daemon.subworker(cp.linkAddress(), "w1", 4, Map.of(), true);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String metrics = "";
            while (System.nanoTime() < deadline) {
                metrics = cp.get("/q/metrics").body();
                if (Daemon.metric(metrics,
                        "fastworker_tasks_completed_total{status=\"success\",task=\"echo\"}") == accepted.size()) {
                    break;
                }
                Thread.sleep(200);
            }
            assertEquals(accepted.size(), Daemon.metric(metrics,
                    "fastworker_tasks_completed_total{status=\"success\",task=\"echo\"}"), 0.0, metrics);
            assertEquals(refused.get(),
                    Daemon.metric(metrics, "fastworker_tasks_rejected_total{reason=\"queue_bytes\"}"),
                    0.0, "every refusal counted as queue_bytes");
            long heap = 256L << 20;
            double resultBytes = Daemon.metric(metrics, "fastworker_result_cache_bytes");
            assertTrue(resultBytes > 0 && resultBytes <= heap / 4, "results bounded by bytes: " + resultBytes);
            JsonNode last = JSON.readTree(cp.get("/tasks/" + last(accepted)).body());
            assertEquals("success", last.path("status").asText(), "the newest result is kept: " + last);
            System.out.printf("Memory bounds, -Xmx256m: %d of 1000 tasks of 900 KB accepted, %d refused with 429; "
                    + "readiness answered in at most %d ms during the burst; results kept: %.0f MB%n",
                    accepted.size(), refused.get(), probes.stream().mapToLong(Long::longValue).max().orElse(0),
                    resultBytes / 1e6);
            assertTrue(cp.alive());

            // Failures are kept as dead letters with their arguments (and here an error message as large): 300 of
            // 900 KB each would be 540 MB; the dead letters stay within their byte bound, the newest kept.
            String failing = "{\"task\": \"fail\", \"args\": [\"" + "y".repeat(900 * 1024) + "\"]}";
            String lastFailed = null;
            for (int i = 0; i < 300; i++) {
                HttpResponse<String> r = cp.post("/tasks?wait=20s", failing);
                assertEquals(200, r.statusCode(), r.statusCode() + " " + r.body().substring(0, 200));
                lastFailed = JSON.readTree(r.body()).get("id").asText();
            }
            String after = cp.get("/q/metrics").body();
            double letters = Daemon.metric(after, "fastworker_tasks_dead_letters");
            double letterBytes = Daemon.metric(after, "fastworker_dead_letters_bytes");
            assertTrue(letters > 0 && letters < 300, "dead letters bounded by bytes: " + letters);
            assertTrue(letterBytes <= heap / 8, "dead letters within an eighth of the heap: " + letterBytes);
            JsonNode page = JSON.readTree(cp.get("/dead-letters?limit=1").body());
            assertEquals(lastFailed, page.get("items").get(0).get("id").asText(), "the newest failure is kept");
            System.out.printf("Memory bounds: %.0f of 300 failed tasks of 900 KB kept as dead letters (%.0f MB)%n",
                    letters, letterBytes / 1e6);
            assertTrue(cp.alive());
            worker.close();
            trickle.shutdownNow();
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    /** 100 chain steps of 9 KB each, the first a day away: about 900 KB held for later per chain. */
    static String chain(int n) {
        // repeat(text, times): the step before's result is put in front, so each step's own argument is its second
        String step = "{\"task\": \"repeat\", \"args\": [\"" + "s".repeat(9 * 1024) + "\"]";
        StringBuilder b = new StringBuilder("{\"task\": \"echo\", \"args\": [" + n + "], \"countdown\": \"1d\"");
        for (int i = 0; i < 99; i++) {
            b.append(", \"then\": ").append(step);
        }
        b.append("}".repeat(99)).append("}");
        return b.toString();
    }

    @Test
    void chainStepsAndIdempotencyKeysCountAgainstTheBoundsAndARestartRestoresWithinThem() throws Exception {
        java.nio.file.Path store = java.nio.file.Files.createTempDirectory("fastworker-bounds-");
        Map<String, String> env = Map.of("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:+ExitOnOutOfMemoryError",
                "FASTWORKER_STORE_PATH", store.toString(), "FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false");
        long heap = 256L << 20;
        int accepted = 0;
        int refused = 0;
        int linkPort;
        try (Daemon cp = Daemon.controlPlane(env)) {
            linkPort = cp.linkPort;
            // Idempotency keys of 245 characters, 1,000 a batch: refused once their byte bound is full (32 MB).
            String key = "k".repeat(240);
            int batches = 0;
            HttpResponse<String> last = null;
            for (; batches < 200; batches++) {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < 1000; i++) {
                    b.append(i == 0 ? "" : ",").append("{\"task\": \"noop\", \"countdown\": \"1d\", "
                            + "\"idempotencyKey\": \"").append(key).append(String.format("%05d", i))
                            .append(batches).append("\"}");
                }
                last = cp.post("/tasks/batch", b.append("]").toString());
                if (last.statusCode() != 202) {
                    break;
                }
            }
            assertEquals(429, last.statusCode(), "keys are bounded: " + last.body());
            assertTrue(last.body().contains("fastworker.idempotency.max-bytes"), last.body());
            assertTrue(cp.alive());
            for (int i = 0; i < 240; i++) {
                HttpResponse<String> r = cp.post("/tasks", chain(i));
                if (r.statusCode() == 202) {
                    accepted++;
                } else {
                    assertEquals(429, r.statusCode(), r.body().substring(0, Math.min(300, r.body().length())));
                    assertTrue(r.body().contains("fastworker.queue.max-bytes"), r.body());
                    refused++;
                }
            }
            double held = Daemon.metric(cp.get("/q/metrics").body(), "fastworker_queue_held_bytes");
            assertTrue(cp.alive(), "the control plane is still up");
            assertTrue(accepted > 10 && refused > 0, "some chains accepted, the rest refused: " + accepted);
            assertTrue(held > accepted * 800_000.0 && held <= heap / 4, "the later steps are counted: " + held
                    + " bytes held for " + accepted + " chains");
            System.out.printf("Memory bounds, -Xmx256m: %d of 240 chains of 100 steps x 9 KB accepted (%.0f MB held "
                    + "for later), %d refused with 429%n", accepted, held / 1e6, refused);

            cp.kill();
        }
        // Restarted on the same store and heap: everything acknowledged comes back, within the bounds it was held in.
        try (Daemon again = Daemon.controlPlaneOnLink(env, linkPort)) {
            String metrics = again.get("/q/metrics").body();
            double held = Daemon.metric(metrics, "fastworker_queue_held_bytes");
            assertTrue(held > accepted * 800_000.0 && held <= heap / 4 + (1 << 20), "restored within the bound: "
                    + held);
            HttpResponse<String> more = again.post("/tasks", chain(999));
            assertEquals(429, more.statusCode(), "the bound is full: refused, not an OutOfMemoryError");
            assertTrue(again.alive());
            assertEquals(200, again.get("/q/health/live").statusCode());
        } finally {
            Daemon.deleteTree(store);
        }
    }

    static String last(ConcurrentLinkedQueue<String> ids) {
        String last = null;
        for (String id : ids) {
            last = id;
        }
        return last;
    }
}
