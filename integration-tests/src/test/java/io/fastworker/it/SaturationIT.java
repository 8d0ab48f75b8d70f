package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Subworkers kept full: every slot stays in use for as long as there is work, at concurrency 1 and 2, in Java and
 * in Python; and a backlog outlives the only subworker that runs it. Parallelism is read from the tasks' own
 * {@code startedAt}/{@code finishedAt}, not only from their success. One control plane that runs nothing itself.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SaturationIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Daemon cp;

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
    }

    record Interval(String worker, Instant start, Instant end) {
    }

    static List<String> batch(String entry, int n) throws Exception {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append(entry.replace("$i", String.valueOf(i)));
        }
        HttpResponse<String> r = cp.post("/tasks/batch", body.append("]").toString());
        assertEquals(202, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        JSON.readTree(r.body()).get("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    static JsonNode await(String id) throws Exception {
        HttpResponse<String> r = cp.get("/tasks/" + id + "?wait=60s");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    /** Waits for every task, checks each succeeded on {@code worker}, and returns when each one ran. */
    static List<Interval> runAll(List<String> ids, String worker) throws Exception {
        List<Interval> ran = new ArrayList<>();
        for (String id : ids) {
            JsonNode t = await(id);
            assertEquals("success", t.get("status").asText(), t.toString());
            assertEquals(worker, t.get("worker").asText(), t.toString());
            ran.add(new Interval(worker, Instant.parse(t.get("startedAt").asText()),
                    Instant.parse(t.get("finishedAt").asText())));
        }
        ran.sort(Comparator.comparing(Interval::start));
        return ran;
    }

    /** Most tasks that ran at one moment. */
    static int maxOverlap(List<Interval> ran) {
        int max = 0;
        for (Interval i : ran) {
            int at = (int) ran.stream().filter(o -> !o.start().isAfter(i.start()) && o.end().isAfter(i.start()))
                    .count();
            max = Math.max(max, at);
        }
        return max;
    }

    /** Busy time over elapsed time: how many slots were in use on average. */
    static double parallelism(List<Interval> ran) {
        long busy = ran.stream().mapToLong(i -> Duration.between(i.start(), i.end()).toNanos()).sum();
        Instant first = ran.get(0).start();
        Instant last = ran.stream().map(Interval::end).max(Comparator.naturalOrder()).orElseThrow();
        return (double) busy / Duration.between(first, last).toNanos();
    }

    static void awaitWorkers(Set<String> present, Set<String> absent) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            String workers = cp.get("/workers").body();
            if (present.stream().allMatch(w -> workers.contains("\"" + w + "\""))
                    && absent.stream().noneMatch(w -> workers.contains("\"" + w + "\""))) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("workers " + present + " / not " + absent + ": " + cp.get("/workers").body());
    }

    static Process python(String workerId) throws Exception {
        return new ProcessBuilder("python3", Daemon.PYTHON_SUBWORKER, "--address", cp.linkAddress(),
                "--worker-id", workerId).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    @Test
    @Order(1)
    void aJavaSubworkerWithOneSlotRunsFiftyTasksOneAfterAnother() throws Exception {
        try (Daemon solo = Daemon.subworker(cp.linkAddress(), "solo", 1, Map.of(), true)) {
            awaitWorkers(Set.of("solo"), Set.of());
            List<Interval> ran = runAll(batch("{\"task\": \"add\", \"args\": [$i, 1]}", 50), "solo");
            assertEquals(1, maxOverlap(ran), "one slot: never two at once");
            String metrics = solo.get("/q/metrics").body();
            assertEquals(50, Daemon.metric(metrics,
                    "fastworker_worker_completed_total{status=\"success\",task=\"add\",worker=\"solo\"}"), metrics);
            assertTrue(Daemon.metric(metrics, "fastworker_worker_in_flight{worker=\"solo\"}") >= 0, metrics);
            assertFalse(metrics.contains("fastworker_queue_depth"), "a subworker holds no queue");
        }
        awaitWorkers(Set.of(), Set.of("solo"));
    }

    @Test
    @Order(2)
    void twoSlotsStayBusyUntilTheWorkRunsOut() throws Exception {
        try (Daemon duo = Daemon.subworker(cp.linkAddress(), "duo", 2, Map.of(), true)) {
            awaitWorkers(Set.of("duo"), Set.of());
            List<Interval> ran = runAll(batch("{\"task\": \"sleep\", \"args\": [300]}", 20), "duo");
            double parallelism = parallelism(ran);
            System.out.printf("20 x sleep(300) on 2 slots: parallelism %.2f, max overlap %d%n", parallelism,
                    maxOverlap(ran));
            assertEquals(2, maxOverlap(ran), "never more than its two slots");
            assertTrue(parallelism >= 1.8, "both slots busy all along, got " + parallelism);
        }
        awaitWorkers(Set.of(), Set.of("duo"));
    }

    @Test
    @Order(3)
    void aPythonSubworkerWithOneSlotRunsFiftyTasks() throws Exception {
        Process py = python("py-solo");
        try {
            awaitWorkers(Set.of("py-solo"), Set.of());
            List<String> ids = batch("{\"task\": \"py_reverse\", \"args\": [\"task-$i\"]}", 50);
            List<Interval> ran = runAll(ids, "py-solo");
            assertEquals(1, maxOverlap(ran));
            assertEquals("9-ksat", await(ids.get(9)).get("result").asText());
            String notText = batch("{\"task\": \"py_reverse\", \"args\": [5], \"maxRetries\": 2}", 1).get(0);
            JsonNode refused = await(notText);
            assertEquals("failure", refused.get("status").asText(), refused.toString());
            assertEquals(1, refused.get("attempts").asInt(), "a failure the Python task says is final: no retry");
            assertTrue(refused.get("error").get("nonRetryable").asBoolean(), refused.toString());
        } finally {
            py.destroy();
            py.waitFor();
        }
        awaitWorkers(Set.of(), Set.of("py-solo"));
    }

    @Test
    @Order(4)
    void aBacklogWaitsWhenItsOnlySubworkerLeavesAndRunsWhenOneComesBack() throws Exception {
        Process py = python("py-first");
        List<String> ids;
        String running;
        try {
            awaitWorkers(Set.of("py-first"), Set.of());
            HttpResponse<String> wrongArgs = cp.post("/tasks", "{\"task\": \"py_reverse\", \"args\": [\"a\", \"b\"]}");
            assertEquals(400, wrongArgs.statusCode(), "the announced parameters are checked: " + wrongArgs.body());
            assertTrue(wrongArgs.body().contains("its parameters are (text)"), wrongArgs.body());
            running = batch("{\"task\": \"py_sleep\", \"args\": [3000]}", 1).get(0);
            ids = batch("{\"task\": \"py_reverse\", \"args\": [\"backlog-$i\"]}", 10);
            String sleeping = running;
            Daemon.await(() -> cp.get("/tasks/" + sleeping).body(), b -> b.contains("\"running\""),
                    Duration.ofSeconds(10), "py_sleep started");
        } finally {
            py.destroyForcibly(); // kill -9 while it runs py_sleep with ten tasks behind it
            py.waitFor();
        }
        awaitWorkers(Set.of(), Set.of("py-first"));
        Thread.sleep(1000);
        for (String id : ids) {
            JsonNode t = JSON.readTree(cp.get("/tasks/" + id).body());
            assertEquals("queued", t.get("status").asText(), "waits for a worker that runs it: " + t);
        }
        JsonNode lost = JSON.readTree(cp.get("/tasks/" + running).body());
        assertEquals("queued", lost.get("status").asText(), lost.toString());
        assertEquals("worker_lost", lost.get("history").get(0).get("error").get("type").asText(), lost.toString());
        String metrics = cp.get("/q/metrics").body();
        assertEquals(11, Daemon.metric(metrics, "fastworker_queue_depth{priority=\"normal\"}"), metrics);
        HttpResponse<String> later = cp.post("/tasks", "{\"task\": \"py_reverse\", \"args\": [\"later\"]}");
        assertEquals(202, later.statusCode(), "a task announced since start is still accepted: " + later.body());
        ids.add(JSON.readTree(later.body()).get("id").asText());

        Process back = python("py-back");
        try {
            List<Interval> ran = runAll(ids, "py-back");
            assertEquals(11, ran.size());
            assertEquals("py-back", await(running).get("worker").asText());
            assertEquals("success", await(running).get("status").asText());
        } finally {
            back.destroy();
            back.waitFor();
        }
    }
}
