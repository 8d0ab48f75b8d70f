package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.TaskRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk store, with real processes and real kills: whatever got a {@code 202} survives a SIGKILL of the control
 * plane (queued in order, scheduled and retrying at their due time, running ones queued again, results kept), a torn
 * last record is dropped and reported, and corruption elsewhere stops start-up naming the file and offset.
 */
class DurableStoreIT {

    static final ObjectMapper JSON = new ObjectMapper();

    /** Every store of this class lives here and is deleted after it. */
    @TempDir
    static Path stores;

    static Path newStore() throws java.io.IOException {
        return Files.createTempDirectory(stores, "store-");
    }

    static Map<String, String> env(Path store, boolean local) {
        Map<String, String> env = new HashMap<>();
        env.put("FASTWORKER_STORE_PATH", store.toString());
        env.put("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", String.valueOf(local));
        return env;
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static List<String> batch(Daemon cp, String entries) throws Exception {
        HttpResponse<String> r = cp.post("/tasks/batch", entries);
        assertEquals(202, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        json(r).get("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    static String restoredLine(Daemon cp) throws Exception {
        Matcher m = Pattern.compile("Task store .*").matcher(cp.log());
        assertTrue(m.find(), cp.log());
        return m.group();
    }

    @Test
    void sigkillInTheMiddleOfABurstLosesNoAcceptedTask() throws Exception {
        Path store = newStore();
        Daemon cp = Daemon.controlPlane(env(store, false));
        int link = cp.linkPort;
        List<Daemon> workers = List.of(Daemon.subworker(cp.linkAddress(), "durable-w1", 4, Map.of(), true),
                Daemon.subworker(cp.linkAddress(), "durable-w2", 4, Map.of(), true));
        try {
            // 8 clients submit up to 10,000 tasks one per request; the control plane is killed half way.
            List<String> accepted = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String url = cp.url();
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < 1250 && !stop.get(); i++) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/tasks"))
                                    .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"task\":\"sleep\",\"args\":[1]}"))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 202) {
                                accepted.add(JSON.readTree(r.body()).get("id").asText());
                            }
                        } catch (Exception e) {
                            return; // the control plane is gone: this client stops
                        }
                    }
                });
                clients.add(t);
                t.start();
            }
            Daemon.await(accepted::size, n -> n >= 5000, Duration.ofSeconds(60), "5000 tasks accepted");
            cp.kill();
            stop.set(true);
            for (Thread t : clients) {
                t.join();
            }
            List<String> ids = List.copyOf(accepted);
            assertTrue(ids.size() >= 5000, "accepted before the kill: " + ids.size());

            long t0 = System.nanoTime();
            cp = Daemon.controlPlaneOnLink(env(store, false), link);
            double readyMs = (System.nanoTime() - t0) / 1e6;
            int ranTwice = 0;
            for (String id : ids) {
                HttpResponse<String> r = cp.get("/tasks/" + id + "?wait=60s");
                assertEquals(200, r.statusCode(), "task " + id + " accepted before the kill: " + r.body());
                JsonNode v = json(r);
                assertEquals("success", v.get("status").asText(), v.toString());
                if (v.get("attempts").asInt() > 1) {
                    ranTwice++;
                    assertEquals("control_plane_restart", v.get("history").get(0).get("error").get("type").asText());
                }
            }
            System.out.printf("SIGKILL mid-burst: %d tasks got a 202 before the kill, all %d finished after the "
                    + "restart; %d ran twice (at-least-once); restart to ready in %.0f ms; %s%n", ids.size(),
                    ids.size(), ranTwice, readyMs, restoredLine(cp));
        } finally {
            for (Daemon w : workers) {
                w.close();
            }
            cp.close();
        }
    }

    @Test
    void aRestartKeepsOneHundredThousandQueuedTasksInPriorityOrder() throws Exception {
        Path store = newStore();
        String[] priorities = {"low", "normal", "high", "critical"};
        Map<String, String> env = env(store, false);
        env.put("FASTWORKER_QUEUE_CAPACITY", "200000");
        Daemon cp = Daemon.controlPlane(env);
        List<String> small = new ArrayList<>();
        try {
            // 200 tasks to check the order with, then 100,000 behind them.
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < 200; i++) {
                b.append(i == 0 ? "" : ",").append("{\"task\":\"noop\",\"priority\":\"")
                        .append(priorities[i % 4]).append("\"}");
            }
            small.addAll(batch(cp, b.append("]").toString()));
            for (int n = 0; n < 100; n++) {
                StringBuilder big = new StringBuilder("[");
                for (int i = 0; i < 1000; i++) {
                    big.append(i == 0 ? "" : ",").append("{\"task\":\"noop\",\"priority\":\"")
                            .append(priorities[i % 4]).append("\"}");
                }
                batch(cp, big.append("]").toString());
            }
            cp.kill();
            cp = Daemon.controlPlane(env);
            String line = restoredLine(cp);
            System.out.println("Restart with 100,200 queued tasks: " + line);
            assertTrue(line.contains("restored 100200 unfinished tasks (100200 queued)"), line);
            JsonNode health = json(cp.get("/q/health/ready")).get("checks");
            JsonNode data = null;
            for (JsonNode c : health) {
                if (c.get("name").asText().equals("task-queue")) {
                    data = c.get("data");
                }
            }
            for (String p : priorities) {
                assertEquals(25050, data.get("queued." + p).asInt(), data.toString());
            }
        } finally {
            cp.close();
        }
        // Order: one subworker, one slot, on the 200 tasks alone (the 100,000 are dropped with the first store).
        Path store2 = newStore();
        cp = Daemon.controlPlane(env(store2, false));
        List<String> ids = new ArrayList<>();
        try {
            StringBuilder b = new StringBuilder("[");
            for (int i = 0; i < 200; i++) {
                b.append(i == 0 ? "" : ",").append("{\"task\":\"noop\",\"priority\":\"")
                        .append(priorities[i % 4]).append("\"}");
            }
            ids.addAll(batch(cp, b.append("]").toString()));
            cp.kill();
            cp = Daemon.controlPlane(env(store2, false));
            try (Daemon w = Daemon.subworker(cp.linkAddress(), "order-w1", 1, Map.of(), true)) {
                List<JsonNode> views = new ArrayList<>();
                for (String id : ids) {
                    JsonNode v = json(cp.get("/tasks/" + id + "?wait=30s"));
                    assertEquals("success", v.get("status").asText(), v.toString());
                    views.add(v);
                }
                List<Integer> byStart = new ArrayList<>();
                for (int i = 0; i < views.size(); i++) {
                    byStart.add(i);
                }
                byStart.sort(Comparator.comparing(i -> Instant.parse(views.get(i).get("startedAt").asText())));
                // critical (i % 4 == 3) first, then high, normal, low; submission order within a level.
                List<Integer> expected = new ArrayList<>();
                for (int level = 3; level >= 0; level--) {
                    for (int i = level; i < 200; i += 4) {
                        expected.add(i);
                    }
                }
                assertEquals(expected, byStart);
            }
        } finally {
            cp.close();
        }
    }

    @Test
    void scheduledRetryingRunningAndFinishedTasksSurvive() throws Exception {
        Path store = newStore();
        Daemon cp = Daemon.controlPlane(env(store, true));
        try {
            JsonNode done = json(cp.post("/tasks?wait=10s", "{\"task\":\"add\",\"args\":[1,2]}"));
            assertEquals("success", done.get("status").asText());
            JsonNode scheduled = json(cp.post("/tasks", "{\"task\":\"add\",\"args\":[2,3],\"countdown\":\"1h\"}"));
            JsonNode cancelled = json(cp.post("/tasks", "{\"task\":\"add\",\"args\":[2,3],\"countdown\":\"1h\"}"));
            assertEquals(200, cp.delete("/tasks/" + cancelled.get("id").asText()).statusCode());
            JsonNode retrying = json(cp.post("/tasks", "{\"task\":\"fail\",\"args\":[\"no\"],\"maxRetries\":1,"
                    + "\"retryDelay\":\"8s\"}"));
            String retryId = retrying.get("id").asText();
            JsonNode firstFailure = awaitStatus(cp, retryId, "retrying");
            Instant firstEnded = Instant.parse(firstFailure.get("history").get(0).get("finishedAt").asText());
            JsonNode running = json(cp.post("/tasks", "{\"task\":\"sleep\",\"args\":[4000]}"));
            awaitStatus(cp, running.get("id").asText(), "running");

            cp.kill();
            cp = Daemon.controlPlane(env(store, true));
            System.out.println("Restart with scheduled, retrying, running and finished tasks: " + restoredLine(cp));

            assertEquals(done, json(cp.get("/tasks/" + done.get("id").asText())), "a result is kept as it was");
            JsonNode s = json(cp.get("/tasks/" + scheduled.get("id").asText()));
            assertEquals("scheduled", s.get("status").asText());
            assertEquals(scheduled.get("scheduledFor"), s.get("scheduledFor"), "the due time is kept");
            assertEquals("cancelled", json(cp.get("/tasks/" + cancelled.get("id").asText())).get("status").asText());
            JsonNode r = awaitStatus(cp, running.get("id").asText(), "running"); // queued again, and running again
            assertEquals(2, r.get("attempts").asInt());
            assertEquals("control_plane_restart", r.get("history").get(0).get("error").get("type").asText());

            // The retry runs at the due time set before the kill (8 s after the first failure), not 8 s after the
            // restart and not at once.
            JsonNode retried = awaitStatus(cp, retryId, "failure");
            Instant secondStart = Instant.parse(retried.get("history").get(1).get("startedAt").asText());
            long afterFirst = Duration.between(firstEnded, secondStart).toMillis();
            assertTrue(afterFirst >= 7_900 && afterFirst < 11_000, "second attempt " + afterFirst
                    + " ms after the first ended: " + retried);
            assertEquals(2, retried.get("attempts").asInt());

            String metrics = cp.get("/q/metrics").body();
            assertTrue(Daemon.metric(metrics, "fastworker_store_sync_duration_seconds_count") > 0, metrics);
            assertTrue(Daemon.metric(metrics, "fastworker_store_size") > 0, metrics);
        } finally {
            cp.close();
        }
    }

    static JsonNode awaitStatus(Daemon cp, String id, String status) throws Exception {
        return Daemon.await(() -> json(cp.get("/tasks/" + id)), v -> v.get("status").asText().equals(status),
                Duration.ofSeconds(30), "task " + id + " " + status);
    }

    @Test
    void aTornLastRecordIsDroppedAndCorruptionElsewhereStopsStartUp() throws Exception {
        Path store = newStore();
        Daemon cp = Daemon.controlPlane(env(store, false));
        List<String> ids;
        try {
            ids = batch(cp, "[{\"task\":\"noop\"},{\"task\":\"noop\"},{\"task\":\"noop\"}]");
        } finally {
            cp.kill();
        }
        Path segment = newestSegment(store);
        long intact = Files.size(segment);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.APPEND)) {
            // A crash in the middle of a write: the header of a 100-byte record and 20 of its bytes.
            ch.write(ByteBuffer.allocate(28).putInt(100).putInt(12345).put(new byte[20]).flip());
        }
        cp = Daemon.controlPlane(env(store, false));
        try {
            String line = restoredLine(cp);
            assertTrue(line.contains("restored 3 unfinished tasks") && line.contains("torn last record (28 bytes"),
                    line);
            for (String id : ids) {
                assertEquals("queued", json(cp.get("/tasks/" + id)).get("status").asText());
            }
        } finally {
            cp.kill();
        }
        assertEquals(intact, Files.size(segment), "the torn record was cut off");

        // One flipped byte inside the first record is no crash: start-up stops, naming the file and the offset.
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, 20);
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ 0x20)}), 20);
        }
        Map<String, String> env = env(store, false);
        env.put("QUARKUS_HTTP_PORT", "0");
        Daemon.Result r = Daemon.run(env, "--role", "control-plane", "--link-port", "0");
        assertNotEquals(0, r.exitCode(), r.all());
        assertTrue(r.all().contains(segment.getFileName().toString()) && r.all().contains("corrupt at offset 0"),
                r.all());

        // Told to, it starts anyway: the file is kept aside, and the log says what is lost.
        Map<String, String> anyway = env(store, false);
        anyway.put("FASTWORKER_STORE_SET_ASIDE_CORRUPT", "true");
        cp = Daemon.controlPlane(anyway);
        try {
            assertTrue(cp.log().contains("ERROR") && cp.log().contains("set aside as " + segment.getFileName()
                    + ".corrupt-"), cp.log());
            try (Stream<Path> files = Files.list(store)) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith(segment.getFileName()
                        + ".corrupt-")));
            }
            assertEquals(404, cp.get("/tasks/" + ids.get(0)).statusCode(), "what the corrupt file held is lost");
        } finally {
            cp.close();
        }
    }

    @Test
    void anIdempotencyKeyGivesBackTheFirstTaskAcrossARestartAndAnIdIsNeverTakenTwice() throws Exception {
        Path store = newStore();
        Map<String, String> env = env(store, true);
        env.put("FASTWORKER_RESULT_CACHE_SIZE", "1"); // results are pushed out at once: keys and ids must outlive them
        Daemon cp = Daemon.controlPlane(env);
        try {
            Map<String, String> k1 = Map.of("Idempotency-Key", "order-7-confirmation");
            HttpResponse<String> first = cp.post("/tasks", "{\"task\":\"add\",\"args\":[1,2]}", k1);
            assertEquals(202, first.statusCode(), first.body());
            String id = json(first).get("id").asText();
            HttpResponse<String> again = cp.post("/tasks", "{\"args\":[1,2], \"task\":\"add\"}", k1);
            assertEquals(200, again.statusCode(), "the same request, keys in another order: " + again.body());
            assertEquals(id, json(again).get("id").asText());
            HttpResponse<String> other = cp.post("/tasks", "{\"task\":\"add\",\"args\":[1,3]}", k1);
            assertTrue(Daemon.problem(other, 422, "a reused key").get("detail").asText()
                    .contains("order-7-confirmation"), other.body());
            HttpResponse<String> bad = cp.post("/tasks", "{\"task\":\"noop\"}", Map.of("Idempotency-Key", "a b"));
            assertEquals(400, bad.statusCode(), bad.body());

            // A batch entry carries its key as a field; a repeat inside the batch is the same task.
            JsonNode b = json(cp.post("/tasks/batch", "[{\"task\":\"add\",\"args\":[1,2],\"idempotencyKey\":"
                    + "\"order-7-confirmation\"},{\"task\":\"noop\",\"idempotencyKey\":\"k2\"},"
                    + "{\"task\":\"noop\",\"idempotencyKey\":\"k2\"}]"));
            assertEquals(id, b.get("ids").get(0).asText());
            assertEquals(b.get("ids").get(1), b.get("ids").get(2));
            assertEquals("[true,false,true]", b.get("repeated").toString());
            String k2 = b.get("ids").get(1).asText();

            // A client-chosen id stays taken after its result is gone.
            assertEquals(200, cp.post("/tasks?wait=10s", "{\"id\":\"order-42\",\"task\":\"noop\"}").statusCode());
            assertEquals(200, cp.post("/tasks?wait=10s", "{\"task\":\"noop\"}").statusCode());
            assertEquals(404, cp.get("/tasks/order-42").statusCode(), "pushed out of the result cache");
            assertEquals(409, cp.post("/tasks", "{\"id\":\"order-42\",\"task\":\"noop\"}").statusCode());

            // The Java client and the CLI set keys too.
            try (FastWorkerClient client = FastWorkerClient.builder().url(cp.url()).build()) {
                TaskRequest r = TaskRequest.of("add", 5, 5).withIdempotencyKey("client-key");
                assertEquals(client.delay(r), client.delay(r));
            }
            Map<String, String> cli = Map.of("FASTWORKER_URL", cp.url());
            String[] submit = {"submit", "--task-name", "add", "--args", "2", "3", "--idempotency-key", "cli-key",
                "--non-blocking"};
            Daemon.Result c1 = Daemon.run(cli, submit);
            Daemon.Result c2 = Daemon.run(cli, submit);
            assertEquals(0, c1.exitCode(), c1.all());
            assertEquals(c1.stdout(), c2.stdout());

            cp.kill();
            cp = Daemon.controlPlane(env);
            HttpResponse<String> afterRestart = cp.post("/tasks", "{\"task\":\"add\",\"args\":[1,2]}", k1);
            assertEquals(200, afterRestart.statusCode(), afterRestart.body());
            assertEquals(id, json(afterRestart).get("id").asText(), "the key outlives a restart");
            assertEquals(k2, json(cp.post("/tasks", "{\"task\":\"noop\"}", Map.of("Idempotency-Key", "k2")))
                    .get("id").asText());
            assertEquals(409, cp.post("/tasks", "{\"id\":\"order-42\",\"task\":\"noop\"}").statusCode(),
                    "a client-chosen id outlives a restart");
            assertEquals(422, cp.post("/tasks", "{\"task\":\"add\",\"args\":[1,3]}", k1).statusCode());
        } finally {
            cp.close();
        }
    }

    @Test
    void limitsSetThroughTheApiOutliveACompactionAndARestart() throws Exception {
        Path store = newStore();
        Map<String, String> env = env(store, true);
        env.put("FASTWORKER_STORE_COMPACT_AFTER", "1M");
        Daemon cp = Daemon.controlPlane(env);
        try {
            assertEquals(200, cp.request("PUT", "/limits/add", "{\"maxConcurrency\": 2, \"rateLimit\": \"50/s\"}",
                    Map.of()).statusCode());
            assertEquals(200, cp.request("PUT", "/limits/echo", "{\"maxConcurrency\": 3}", Map.of()).statusCode());
            assertEquals(200, cp.request("PUT", "/limits/sleep", "{\"rateLimit\": \"7/m\"}", Map.of()).statusCode());
            assertEquals(204, cp.request("DELETE", "/limits/echo", null, Map.of()).statusCode());
            java.util.Set<Path> before;
            try (var files = Files.list(store)) {
                before = files.collect(java.util.stream.Collectors.toSet());
            }
            // Enough journal to compact (fastworker.store.compact-after=1M): the files holding the limits go.
            for (int i = 0; i < 8; i++) {
                String body = "[" + String.join(",", java.util.Collections.nCopies(500, "{\"task\":\"noop\"}")) + "]";
                assertEquals(202, cp.post("/tasks/batch", body).statusCode());
            }
            Daemon.await(() -> {
                try (var files = Files.list(store)) {
                    return files.toList();
                }
            }, files -> files.stream().noneMatch(before::contains), Duration.ofSeconds(30), "the journal compacted");
            cp.kill();
            cp = Daemon.controlPlane(env);
            JsonNode limits = json(cp.get("/limits"));
            assertEquals(2, limits.size(), limits.toString());
            assertEquals("add", limits.get(0).get("task").asText());
            assertEquals(2, limits.get(0).get("maxConcurrency").asInt());
            assertEquals("50/s", limits.get(0).get("rateLimit").asText());
            assertEquals("api", limits.get(0).get("source").asText());
            assertEquals("sleep", limits.get(1).get("task").asText());
            assertEquals("7/m", limits.get(1).get("rateLimit").asText());
            assertTrue(limits.get(1).get("maxConcurrency").isNull());
            assertEquals(404, cp.get("/limits/echo").statusCode(), "a removed limit stays removed");
        } finally {
            cp.close();
        }
    }

    @Test
    void chainsAndGroupsGoOnAcrossARestart() throws Exception {
        Path store = newStore();
        Map<String, String> env = env(store, true);
        Daemon cp = Daemon.controlPlane(env);
        try {
            HttpResponse<String> chain = cp.post("/tasks", "{\"task\": \"sleep\", \"args\": [1500], \"then\": "
                    + "{\"task\": \"echo\"}}");
            assertEquals(202, chain.statusCode(), chain.body());
            String root = json(chain).get("id").asText();
            assertEquals(202, cp.post("/groups", "{\"id\": \"g1\", \"tasks\": [{\"task\": \"add\", \"args\": [1, 1]}, "
                    + "{\"task\": \"sleep\", \"args\": [1500]}], \"then\": {\"task\": \"echo\"}}").statusCode());
            Daemon first = cp;
            Daemon.await(() -> json(first.get("/tasks/g1:0")).get("status").asText(), "success"::equals,
                    Duration.ofSeconds(10), "the group's first member succeeded");
            cp.kill(); // the sleeps are running: they run again after the restart
            cp = Daemon.controlPlane(env);
            Daemon second = cp;
            JsonNode c = Daemon.await(() -> json(second.get("/chains/" + root)),
                    v -> v.path("status").asText().equals("success"), Duration.ofSeconds(30), "the chain succeeded");
            JsonNode g = Daemon.await(() -> json(second.get("/groups/g1")),
                    v -> v.path("then").path("status").asText().equals("success"), Duration.ofSeconds(30),
                    "the group's then succeeded");
            assertEquals("success", c.path("status").asText(), c.toString());
            assertEquals(1500, json(cp.get("/tasks/" + root + ":then-1")).get("result").asInt());
            assertEquals("success", g.path("then").path("status").asText(), g.toString());
            assertEquals("[2,1500]", json(cp.get("/tasks/g1:then")).get("result").toString(),
                    "the member that ended before the restart counts");
        } finally {
            cp.close();
        }
    }

    @Test
    void failedTasksAreDeadLettersListedReplayedAndDeletedAcrossARestart() throws Exception {
        Path store = newStore();
        Map<String, String> env = env(store, true);
        env.put("FASTWORKER_RESULT_CACHE_TTL", "1"); // results expire at once: dead letters must outlive them
        Daemon cp = Daemon.controlPlane(env);
        try {
            String first = json(cp.post("/tasks?wait=10s", "{\"task\":\"fail\",\"args\":[\"boom\"]}")).get("id")
                    .asText();
            String second = json(cp.post("/tasks?wait=10s", "{\"task\":\"fail\",\"args\":[\"bang\"]}")).get("id")
                    .asText();
            assertEquals("success", json(cp.post("/tasks?wait=10s", "{\"task\":\"noop\"}")).get("status").asText());
            Thread.sleep(1500);
            assertEquals(404, cp.get("/tasks/" + first).statusCode(), "the result has expired");

            JsonNode all = json(cp.get("/dead-letters"));
            assertEquals(2, all.get("total").asInt(), all.toString());
            assertEquals(second, all.get("items").get(0).get("id").asText(), "newest failure first");
            assertEquals("task_error", all.get("items").get(1).get("error").get("type").asText());
            JsonNode page = json(cp.get("/dead-letters?task=fail&errorType=task_error&limit=1&offset=1"));
            assertEquals(2, page.get("total").asInt());
            assertEquals(first, page.get("items").get(0).get("id").asText());
            assertEquals(0, json(cp.get("/dead-letters?errorType=timeout")).get("total").asInt());
            assertEquals(0, json(cp.get("/dead-letters?since=2999-01-01T00:00:00Z")).get("total").asInt());
            assertEquals(400, cp.get("/dead-letters?limit=0").statusCode());
            assertEquals(400, cp.get("/dead-letters?since=yesterday").statusCode());
            assertEquals(2, Daemon.metric(cp.get("/q/metrics").body(), "fastworker_tasks_dead_letters"));

            // A replay is a new attempt of the same task: same id, history and attempt count go on.
            HttpResponse<String> retried = cp.post("/tasks/" + first + "/retry", "");
            assertEquals(202, retried.statusCode(), retried.body());
            JsonNode again = json(cp.get("/tasks/" + first + "?wait=10s"));
            assertEquals("failure", again.get("status").asText(), again.toString());
            assertEquals(2, again.get("attempts").asInt());
            assertEquals(2, again.get("maxAttempts").asInt(), "a replay grants the retry policy again, never 2/1");
            assertEquals(2, again.get("history").size());
            assertEquals(2, json(cp.get("/dead-letters")).get("total").asInt(), "it failed again: a dead letter");

            String done = json(cp.post("/tasks?wait=10s", "{\"task\":\"noop\"}")).get("id").asText();
            HttpResponse<String> notFailed = cp.post("/tasks/" + done + "/retry", "");
            assertEquals(409, notFailed.statusCode(), notFailed.body());
            assertEquals("success", json(notFailed).get("taskStatus").asText());
            assertEquals(404, cp.post("/tasks/no-such-task/retry", "").statusCode());

            assertEquals(204, cp.delete("/dead-letters/" + second).statusCode());
            assertEquals(404, cp.delete("/dead-letters/" + second).statusCode());
            assertEquals(404, cp.post("/tasks/" + second + "/retry", "").statusCode(), "a deleted one is gone");

            cp.kill();
            cp = Daemon.controlPlane(env);
            JsonNode kept = json(cp.get("/dead-letters"));
            assertEquals(1, kept.get("total").asInt(), "dead letters survive a restart, deletions too: " + kept);
            assertEquals(first, kept.get("items").get(0).get("id").asText());
            assertEquals(2, kept.get("items").get(0).get("attempts").asInt());
            assertEquals(2, kept.get("items").get(0).get("maxAttempts").asInt(), "the same after a restart");

            Daemon.Result cli = Daemon.run(Map.of("FASTWORKER_URL", cp.url()), "retry", "--task-id", first);
            assertEquals(0, cli.exitCode(), cli.all());
            assertTrue(cli.stdout().contains("queued again (attempt 3)"), cli.all());
            JsonNode third = json(cp.get("/tasks/" + first + "?wait=10s"));
            assertEquals(3, third.get("attempts").asInt());
            assertEquals(3, third.get("maxAttempts").asInt(), third.toString());
            // A replay that is queued, not yet run, when the control plane restarts keeps its allowance too.
            HttpResponse<String> flaky = cp.post("/tasks?wait=10s", "{\"task\":\"fail\",\"args\":[\"x\"],"
                    + "\"maxRetries\":1,\"retryDelay\":\"10ms\"}");
            String flakyId = json(flaky).get("id").asText();
            assertEquals("2/2", json(cp.get("/tasks/" + flakyId)).get("attempts").asInt() + "/"
                    + json(cp.get("/tasks/" + flakyId)).get("maxAttempts").asInt());
            assertEquals(202, cp.post("/tasks/" + flakyId + "/retry", "").statusCode());
            JsonNode replayed = json(cp.get("/tasks/" + flakyId + "?wait=10s"));
            assertEquals(4, replayed.get("attempts").asInt(), "a replay retries by its policy again: " + replayed);
            assertEquals(4, replayed.get("maxAttempts").asInt(), replayed.toString());
            Daemon.Result unknown = Daemon.run(Map.of("FASTWORKER_URL", cp.url()), "retry", "--task-id", "nope");
            assertEquals(1, unknown.exitCode(), unknown.all());
        } finally {
            cp.close();
        }
    }

    @Test
    void aFullDiskRefusesSubmissionsWith503AndLosesNoAcceptedTask() throws Exception {
        Path store = newStore();
        Daemon cp = Daemon.controlPlaneWithFileSizeLimit(env(store, false), 100); // 100 KB: a few hundred tasks
        List<String> accepted = new ArrayList<>();
        int refused = 0;
        try {
            String entry = "{\"task\":\"noop\"}";
            String twenty = "[" + String.join(",", Collections.nCopies(20, entry)) + "]";
            for (int i = 0; i < 60; i++) {
                HttpResponse<String> r = cp.post("/tasks/batch", twenty);
                if (r.statusCode() == 202) {
                    assertEquals(0, refused, "nothing is accepted once the store has failed");
                    json(r).get("ids").forEach(id -> accepted.add(id.asText()));
                } else {
                    assertEquals(503, r.statusCode(), r.body());
                    assertTrue(r.headers().firstValue("Retry-After").isPresent());
                    assertTrue(json(r).get("detail").asText().contains("task store"), r.body());
                    refused++;
                }
            }
            assertTrue(refused > 0 && !accepted.isEmpty(), accepted.size() + " accepted, " + refused + " refused");
            HttpResponse<String> single = cp.post("/tasks", entry);
            assertEquals(503, single.statusCode(), single.body());
            HttpResponse<String> ready = cp.get("/q/health/ready");
            assertEquals(503, ready.statusCode());
            assertTrue(ready.body().contains("failed: java.io.IOException"), ready.body());
        } finally {
            cp.kill();
        }
        // With room again, every task that got a 202 is there, and no refused one.
        cp = Daemon.controlPlane(env(store, false));
        try {
            String line = restoredLine(cp);
            assertTrue(line.contains("restored " + accepted.size() + " unfinished tasks"), line);
            for (String id : accepted) {
                assertEquals("queued", json(cp.get("/tasks/" + id)).get("status").asText());
            }
            System.out.printf("Full disk: %d tasks accepted, then %d batches refused with 503; after a restart "
                    + "with room: %s%n", accepted.size(), refused, line);
        } finally {
            cp.close();
        }
    }

    static Path newestSegment(Path store) throws Exception {
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> p.getFileName().toString().startsWith("journal-"))
                    .max(Comparator.naturalOrder()).orElseThrow();
        }
    }
}
