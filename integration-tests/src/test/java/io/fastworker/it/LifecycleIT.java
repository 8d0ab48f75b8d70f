package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
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
 * A task's life beyond one shot, on a control plane and two subworkers as separate processes: the live event
 * stream, limits per task across subworkers, completion callbacks, chains and groups.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int BUFFER = 4096;
    static final int MAX_STREAMS = 6;
    static final String SECRET = "callback-secret-for-tests";
    static Daemon cp;
    static final List<Daemon> workers = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false",
                "FASTWORKER_EVENTS_BUFFER", String.valueOf(BUFFER), "FASTWORKER_EVENTS_MAX_STREAMS",
                String.valueOf(MAX_STREAMS), "FASTWORKER_EVENTS_HEARTBEAT", "PT1S", "FASTWORKER_CALLBACKS_SECRET",
                SECRET,
                "FASTWORKER_CALLBACKS_ALLOWED_HOSTS", "127.0.0.1,localhost", "FASTWORKER_CALLBACKS_RETRY_DELAY",
                "PT0.2S", "FASTWORKER_CALLBACKS_TIMEOUT", "PT2S", "JAVA_TOOL_OPTIONS",
                "-Dfastworker.limits.echo.rate=1000/s"));
        workers.add(Daemon.subworker(cp.linkAddress(), "w1", 4, Map.of(), true));
        workers.add(Daemon.subworker(cp.linkAddress(), "w2", 4, Map.of(), true));
        receiver = CallbackReceiver.start();
    }

    static CallbackReceiver receiver;

    @AfterAll
    static void stop() throws Exception {
        if (receiver != null) {
            receiver.close();
        }
        for (Daemon w : workers) {
            w.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    static List<String> submitNoops(int n) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int done = 0; done < n; done += 500) {
            String body = "[" + String.join(",", java.util.Collections.nCopies(Math.min(500, n - done),
                    "{\"task\": \"noop\"}")) + "]";
            HttpResponse<String> r = cp.post("/tasks/batch", body);
            assertEquals(202, r.statusCode(), r.body());
            JSON.readTree(r.body()).get("ids").forEach(id -> ids.add(id.asText()));
        }
        return ids;
    }

    static String submit(String json) throws Exception {
        HttpResponse<String> r = cp.post("/tasks", json);
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    static long seq(String eventId) {
        return Long.parseLong(eventId.substring(eventId.indexOf('.') + 1));
    }

    /** Reads task events until {@code done} says every task it follows has finished. */
    static List<SseStream.Event> readUntil(SseStream s, java.util.function.Predicate<List<SseStream.Event>> done,
            Duration timeout) throws Exception {
        List<SseStream.Event> got = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(got)) {
            SseStream.Event e = s.next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            assertNotNull(e, "events stopped coming after " + got.size());
            assertFalse(e == SseStream.END, "the stream ended after " + got.size() + " events");
            got.add(e);
        }
        return got;
    }

    @Test
    @Order(1)
    void everyTransitionOfAThousandTasksArrivesOnceAndInOrderPerTask() throws Exception {
        try (SseStream s = new SseStream(cp, "", Map.of())) {
            assertEquals(200, s.response.statusCode());
            assertTrue(s.response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            Set<String> ids = new HashSet<>(submitNoops(1000));
            Set<String> finished = new HashSet<>();
            Map<String, List<JsonNode>> byTask = new LinkedHashMap<>();
            long lastSeq = 0;
            String epoch = null;
            for (SseStream.Event e : readUntil(s, got -> got.stream().filter(e -> e.data().contains("\"success\""))
                    .count() >= ids.size(), Duration.ofSeconds(60))) {
                assertEquals("task", e.name(), e.toString());
                JsonNode d = JSON.readTree(e.data());
                String eventEpoch = e.id().substring(0, e.id().indexOf('.'));
                epoch = epoch == null ? eventEpoch : epoch;
                assertEquals(epoch, eventEpoch);
                assertTrue(seq(e.id()) > lastSeq, "event ids grow: " + e.id() + " after " + lastSeq);
                lastSeq = seq(e.id());
                assertFalse(d.has("args") || d.has("kwargs") || d.has("result"), "no arguments or results: " + d);
                if (!ids.contains(d.get("id").asText())) {
                    continue;
                }
                byTask.computeIfAbsent(d.get("id").asText(), k -> new ArrayList<>()).add(d);
                if (d.get("status").asText().equals("success")) {
                    finished.add(d.get("id").asText());
                }
            }
            assertEquals(ids, byTask.keySet());
            for (var t : byTask.entrySet()) {
                List<String> statuses = t.getValue().stream().map(d -> d.get("status").asText()).toList();
                assertEquals(List.of("queued", "running", "success"), statuses, t.getKey());
                JsonNode running = t.getValue().get(1);
                assertEquals(1, running.get("attempt").asInt());
                assertTrue(Set.of("w1", "w2").contains(running.get("worker").asText()), running.toString());
                assertEquals(running.get("worker"), t.getValue().get(2).get("worker"));
                assertEquals("noop", running.get("task").asText());
            }
        }
    }

    @Test
    @Order(2)
    void filtersByTaskAndIdAndSendsResultsOnlyWhenAsked() throws Exception {
        try (SseStream adds = new SseStream(cp, "?task=add&include=result", Map.of());
                SseStream one = new SseStream(cp, "?id=evt-echo-1", Map.of())) {
            submit("{\"task\": \"echo\", \"args\": [\"hidden\"], \"id\": \"evt-echo-1\"}");
            submit("{\"task\": \"noop\"}");
            submit("{\"task\": \"add\", \"args\": [2, 3]}");
            submit("{\"task\": \"fail\", \"args\": [\"no\"]}");
            List<SseStream.Event> added = readUntil(adds, got -> got.stream()
                    .anyMatch(e -> e.data().contains("\"success\"")), Duration.ofSeconds(30));
            for (SseStream.Event e : added) {
                assertEquals("add", JSON.readTree(e.data()).get("task").asText(), e.data());
            }
            JsonNode last = JSON.readTree(added.get(added.size() - 1).data());
            assertEquals(5, last.get("result").asLong(), last.toString());
            List<SseStream.Event> echoed = readUntil(one, got -> got.stream()
                    .anyMatch(e -> e.data().contains("\"success\"")), Duration.ofSeconds(30));
            for (SseStream.Event e : echoed) {
                JsonNode d = JSON.readTree(e.data());
                assertEquals("evt-echo-1", d.get("id").asText());
                assertFalse(e.data().contains("hidden"), "no arguments or results unless asked: " + e.data());
            }
            // Nothing else came on either stream.
            SseStream.Event more = adds.next(Duration.ofMillis(500));
            assertTrue(more == null, "only add tasks on the filtered stream: " + more);
            // An idle stream is kept alive with comments (heartbeat PT1S here).
            Thread.sleep(2500);
            assertFalse(one.comments().isEmpty(), "an idle stream gets keep-alive comments");
        }
    }

    @Test
    @Order(3)
    void badRequestsAreProblems() throws Exception {
        for (var bad : List.of(Map.entry("?include=args", Map.<String, String>of()),
                Map.entry("", Map.of("Last-Event-ID", "not-an-id")),
                Map.entry("", Map.of("Last-Event-ID", "garbage")),
                Map.entry("", Map.of("Last-Event-ID", "id:mxaxcsks.24")), // malformed epoch: the same answer
                Map.entry("", Map.of("Last-Event-ID", "MXAXCSKS.24")),
                Map.entry("", Map.of("Last-Event-ID", "abc.-4")))) {
            HttpResponse<String> r = cp.request("GET", "/events" + bad.getKey(), null, bad.getValue());
            assertTrue(Daemon.problem(r, 400, bad.toString()).get("detail").asText().length() > 20, r.body());
        }
    }

    @Test
    @Order(4)
    void aReaderThatFallsBehindIsDroppedInsteadOfBuffered() throws Exception {
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new java.net.InetSocketAddress("127.0.0.1", cp.port));
            slow.getOutputStream()
                    .write(("GET /events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();
            Thread.sleep(300);
            // Far more changes than the buffer and the socket buffers hold, while this reader reads nothing.
            List<String> ids = submitNoops(20_000);
            awaitSuccess(ids.get(ids.size() - 1)); // the first ones are out of the result cache by now
            Thread.sleep(1000);
            slow.setSoTimeout(15_000);
            String got = readUntilEnd(slow.getInputStream());
            assertTrue(got.matches("(?s).*event: ?gap.*fell more than.*"), "told it fell behind: "
                    + got.substring(Math.max(0, got.length() - 600)));
            assertTrue(got.endsWith("0\r\n\r\n"), "and the stream ended");
        }
        // The control plane is fine and serves new streams.
        assertEquals(200, cp.get("/q/health/ready").statusCode());
    }

    static void awaitSuccess(String id) throws Exception {
        Daemon.await(() -> json(cp.get("/tasks/" + id)), t -> t.get("status").asText().equals("success"),
                Duration.ofSeconds(60), id + " succeeded");
    }

    /** What a raw HTTP connection receives until its chunked body ends (or nothing more comes). */
    static String readUntilEnd(InputStream in) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        try {
            for (int n; (n = in.read(buf)) > 0;) {
                all.write(buf, 0, n);
                if (all.toString(StandardCharsets.UTF_8).endsWith("\r\n0\r\n\r\n")) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // nothing more came
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    @Test
    @Order(5)
    void aClientResumesWithLastEventIdAndIsToldWhatIsNoLongerKept() throws Exception {
        String lastSeen;
        try (SseStream s = new SseStream(cp, "", Map.of())) {
            String first = submit("{\"task\": \"noop\"}");
            List<SseStream.Event> got = readUntil(s, g -> g.stream().anyMatch(e -> e.data().contains(first)
                    && e.data().contains("\"success\"")), Duration.ofSeconds(30));
            lastSeen = got.get(got.size() - 1).id();
        }
        String second = submit("{\"task\": \"noop\"}");
        awaitSuccess(second);
        try (SseStream s = new SseStream(cp, "", Map.of("Last-Event-ID", lastSeen))) {
            SseStream.Event next = s.next(Duration.ofSeconds(10));
            assertNotNull(next);
            assertEquals(seq(lastSeen) + 1, seq(next.id()), "resumes right after the last event seen");
            List<SseStream.Event> got = new ArrayList<>(List.of(next));
            got.addAll(readUntil(s, g -> g.stream().anyMatch(e -> e.data().contains(second)
                    && e.data().contains("\"success\"")), Duration.ofSeconds(10)));
            List<String> statuses = new ArrayList<>();
            for (SseStream.Event e : got) {
                JsonNode d = JSON.readTree(e.data());
                if (d.get("id").asText().equals(second)) {
                    statuses.add(d.get("status").asText());
                }
            }
            assertEquals(List.of("queued", "running", "success"), statuses, "missed nothing while away");
        }
        String epoch = lastSeen.substring(0, lastSeen.indexOf('.'));
        // Long gone (the 20,000 tasks before pushed it out of the buffer): told what is missing first.
        try (SseStream s = new SseStream(cp, "", Map.of("Last-Event-ID", epoch + ".1"))) {
            SseStream.Event gap = s.next(Duration.ofSeconds(10));
            assertEquals("gap", gap.name(), gap.toString());
            JsonNode d = JSON.readTree(gap.data());
            assertEquals(epoch + ".2", d.get("first").asText());
            assertTrue(seq(d.get("last").asText()) > BUFFER, d.toString());
            SseStream.Event after = s.next(Duration.ofSeconds(10));
            assertEquals(seq(d.get("last").asText()) + 1, seq(after.id()), "then the oldest change kept");
        }
        // From another run of the control plane: told so, then everything this run keeps.
        try (SseStream s = new SseStream(cp, "", Map.of("Last-Event-ID", "zzzzzz.42"))) {
            SseStream.Event gap = s.next(Duration.ofSeconds(10));
            assertEquals("gap", gap.name(), gap.toString());
            assertTrue(gap.data().contains("restarted"), gap.data());
        }
    }

    @Test
    @Order(6)
    void streamsBeyondTheCapAreRefusedUntilOneCloses() throws Exception {
        List<SseStream> open = new ArrayList<>();
        try {
            long deadline = System.currentTimeMillis() + 10_000;
            while (open.size() < MAX_STREAMS && System.currentTimeMillis() < deadline) {
                SseStream s = new SseStream(cp, "?id=nothing", Map.of());
                if (s.response.statusCode() == 200) {
                    open.add(s);
                } else {
                    s.close(); // an earlier test's stream not yet noticed as closed
                    Thread.sleep(100);
                }
            }
            assertEquals(MAX_STREAMS, open.size());
            HttpResponse<String> refused = cp.request("GET", "/events", null, Map.of());
            assertEquals(503, refused.statusCode(), refused.body());
            assertTrue(refused.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
            assertTrue(refused.body().contains("fastworker.events.max-streams"), refused.body());
            open.remove(0).close();
            Daemon.await(() -> {
                try (SseStream again = new SseStream(cp, "?id=nothing", Map.of())) {
                    return again.response.statusCode();
                }
            }, status -> status == 200, Duration.ofSeconds(5), "a closed stream frees its place");
        } finally {
            open.forEach(SseStream::close);
        }
    }
    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static List<JsonNode> views(List<String> ids) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String id : ids) {
            out.add(json(cp.get("/tasks/" + id)));
        }
        return out;
    }

    static void awaitAll(List<String> ids) throws Exception {
        for (String id : ids) {
            awaitSuccess(id);
        }
    }

    /** How many of the tasks ran at the same time at most, from their start and end times. */
    static int mostAtOnce(List<JsonNode> tasks) {
        List<long[]> edges = new ArrayList<>();
        for (JsonNode t : tasks) {
            edges.add(new long[] {java.time.Instant.parse(t.get("startedAt").asText()).toEpochMilli() * 1000, 1});
            edges.add(new long[] {java.time.Instant.parse(t.get("finishedAt").asText()).toEpochMilli() * 1000 - 1, -1});
        }
        edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int most = 0;
        for (long[] e : edges) {
            now += (int) e[1];
            most = Math.max(most, now);
        }
        return most;
    }

    @Test
    @Order(7)
    void maxConcurrencyHoldsAcrossSubworkersAndAWaitingTaskHoldsBackNoOther() throws Exception {
        HttpResponse<String> set = cp.request("PUT", "/limits/sleep", "{\"maxConcurrency\": 1}", Map.of());
        assertEquals(200, set.statusCode(), set.body());
        assertEquals("api", json(set).get("source").asText());
        List<String> sleeps = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            sleeps.add(submit("{\"task\": \"sleep\", \"args\": [250]}"));
        }
        // Behind the limited ones, another task runs at once: the limit holds back only its own task.
        HttpResponse<String> add = cp.post("/tasks?wait=5s", "{\"task\": \"add\", \"args\": [1, 2]}");
        assertEquals(200, add.statusCode(), add.body());
        String metrics = cp.get("/q/metrics").body();
        assertTrue(Daemon.metric(metrics, "fastworker_tasks_limited") >= 1, "tasks wait on the limit: "
                + Daemon.metric(metrics, "fastworker_tasks_limited"));
        JsonNode during = json(cp.get("/limits/sleep"));
        assertTrue(during.get("running").asInt() <= 1 && during.get("waiting").asInt() >= 1, during.toString());
        awaitAll(sleeps);
        List<JsonNode> ran = views(sleeps);
        assertEquals(1, mostAtOnce(ran), "never two at once: " + ran);

        assertEquals(204, cp.request("DELETE", "/limits/sleep", null, Map.of()).statusCode());
        List<String> free = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            free.add(submit("{\"task\": \"sleep\", \"args\": [400]}"));
        }
        awaitAll(free);
        assertTrue(mostAtOnce(views(free)) >= 2, "without the limit they run side by side");
    }

    @Test
    @Order(8)
    void aRateLimitSpacesStartsWithinTenPercent() throws Exception {
        assertEquals(200, cp.request("PUT", "/limits/noop", "{\"rateLimit\": \"20/s\"}", Map.of()).statusCode());
        try {
            List<String> ids = submitNoops(61);
            awaitAll(ids);
            List<Long> starts = new ArrayList<>();
            for (JsonNode t : views(ids)) {
                starts.add(java.time.Instant.parse(t.get("startedAt").asText()).toEpochMilli());
            }
            java.util.Collections.sort(starts);
            double seconds = (starts.get(starts.size() - 1) - starts.get(0)) / 1000.0;
            double rate = (starts.size() - 1) / seconds;
            System.out.printf("rateLimit 20/s: 61 starts over %.2f s = %.2f/s%n", seconds, rate);
            assertTrue(rate >= 18 && rate <= 22, "20/s within 10%: " + rate);
        } finally {
            assertEquals(204, cp.request("DELETE", "/limits/noop", null, Map.of()).statusCode());
        }
    }

    @Test
    @Order(9)
    void configuredLimitsShowAndBadLimitsAreRefused() throws Exception {
        JsonNode echo = json(cp.get("/limits/echo"));
        assertEquals("config", echo.get("source").asText(), echo.toString());
        assertEquals("1000/s", echo.get("rateLimit").asText());
        HttpResponse<String> configured = cp.request("DELETE", "/limits/echo", null, Map.of());
        assertEquals(404, configured.statusCode());
        assertTrue(json(configured).get("detail").asText().contains("config"), configured.body());
        for (String bad : List.of("{\"maxConcurrency\": 0}", "{\"maxConcurrency\": 2000000}",
                "{\"maxConcurrency\": 1.5}",
                "{\"rateLimit\": \"fast\"}", "{\"rateLimit\": \"0/s\"}", "{\"rateLimit\": \"5/d\"}",
                "{\"rateLimit\": 5}", "{}", "{\"maxConcurrency\": null}", "{\"limit\": 1}", "[]",
                "{\"maxConcurrency\": 1",
                "{\"rateLimit\": \"9999999/s\"}")) {
            Daemon.problem(cp.request("PUT", "/limits/echo", bad, Map.of()), 400, bad);
        }
        HttpResponse<String> unknown = cp.request("PUT", "/limits/no_such_task", "{\"maxConcurrency\": 1}", Map.of());
        assertEquals(404, unknown.statusCode(), unknown.body());
        assertTrue(unknown.body().contains("known tasks"), unknown.body());
        // The API's limit beats the configured one while it is set.
        HttpResponse<String> set = cp.request("PUT", "/limits/echo", "{\"maxConcurrency\": 5}", Map.of());
        assertEquals("api", json(set).get("source").asText(), set.body());
        assertTrue(json(set).get("rateLimit").isNull());
        assertEquals(204, cp.request("DELETE", "/limits/echo", null, Map.of()).statusCode());
        assertEquals("config", json(cp.get("/limits/echo")).get("source").asText());
    }

    static JsonNode awaitCallback(String id, String status) throws Exception {
        return Daemon.await(() -> json(cp.get("/tasks/" + id)), t -> t.hasNonNull("callback")
                && t.get("callback").get("status").asText().equals(status), Duration.ofSeconds(30),
                "callback of " + id + " " + status);
    }

    static String withCallback(String task, String args, String path, String events) {
        return "{\"task\": \"" + task + "\", \"args\": " + args + ", \"callback\": {\"url\": \"" + receiver.url(path)
                + "\"" + (events == null ? "" : ", \"events\": " + events) + "}}";
    }

    @Test
    @Order(10)
    void aSignedCallbackCarriesTheFinalTask() throws Exception {
        HttpResponse<String> r = cp.post("/tasks", withCallback("add", "[2, 3]", "/ok?token=abc", null));
        assertEquals(202, r.statusCode(), r.body());
        String id = json(r).get("id").asText();
        JsonNode task = awaitCallback(id, "delivered");
        assertEquals(1, task.get("callback").get("attempts").asInt());
        assertEquals(receiver.url("/ok"), task.get("callback").get("url").asText(), "shown without its query");
        CallbackReceiver.Received got = receiver.received("/ok", id);
        JsonNode body = JSON.readTree(got.body());
        assertEquals("success", body.get("status").asText());
        assertEquals(5, body.get("result").asInt());
        assertEquals(id, got.headers().get("fastworker-task-id"));
        // (The traceparent it carries is checked in TracingIT, where tracing is on.)
        // Verify the signature as a receiver would (README: "Verifying a callback").
        String sig = got.headers().get("fastworker-signature");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("t=(\\d+),v1=([0-9a-f]{64})").matcher(sig);
        assertTrue(m.matches(), sig);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "HmacSHA256"));
        String expected = java.util.HexFormat.of().formatHex(mac.doFinal((m.group(1) + "." + got.body())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(expected, m.group(2), "the signature verifies");
        assertTrue(Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(m.group(1))) < 60);
        assertFalse(got.body().contains(SECRET));
    }

    @Test
    @Order(11)
    void aFailingReceiverIsRetriedARefusingOneIsNotAndUnaskedEventsAreNotSent() throws Exception {
        receiver.failNext("/flaky", 2);
        String flaky = submit(withCallback("noop", "[]", "/flaky", null));
        JsonNode t = awaitCallback(flaky, "delivered");
        assertEquals(3, t.get("callback").get("attempts").asInt(), t.toString());
        String refused = submit(withCallback("noop", "[]", "/gone", null));
        t = awaitCallback(refused, "failed");
        assertEquals(1, t.get("callback").get("attempts").asInt(), "a 404 is not retried: " + t);
        assertEquals(404, t.get("callback").get("lastStatusCode").asInt());
        String unasked = submit(withCallback("noop", "[]", "/ok", "[\"failure\"]"));
        t = awaitCallback(unasked, "not-sent");
        assertEquals(0, t.get("callback").get("attempts").asInt());
        String failing = submit(withCallback("fail", "[\"boom\"]", "/ok", "[\"failure\"]"));
        awaitCallback(failing, "delivered");
        assertEquals("failure", JSON.readTree(receiver.received("/ok", failing).body()).get("status").asText());
    }

    @Test
    @Order(12)
    void aDeadCallbackUrlDelaysNoTask() throws Exception {
        for (int i = 0; i < 20; i++) {
            submit(withCallback("noop", "[]", "/blackhole", null)); // each attempt hangs until its 2 s timeout
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 30; i++) {
            HttpResponse<String> r = cp.post("/tasks?wait=5s", "{\"task\": \"add\", \"args\": [" + i + ", 1]}");
            assertEquals(200, r.statusCode(), "finished while callbacks hang: " + r.body());
        }
        System.out.printf("30 tasks one after another while 20 callbacks hang: %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        assertEquals(200, cp.get("/q/health/ready").statusCode());
    }

    @Test
    @Order(13)
    void badCallbacksAreRefused() throws Exception {
        for (String bad : List.of("{\"task\": \"noop\", \"callback\": {\"url\": \"http://example.com/hook\"}}",
                "{\"task\": \"noop\", \"callback\": {\"url\": \"ftp://127.0.0.1/hook\"}}",
                "{\"task\": \"noop\", \"callback\": {\"url\": \"/relative\"}}",
                "{\"task\": \"noop\", \"callback\": {\"url\": \"http://user:pw@127.0.0.1/hook\"}}",
                "{\"task\": \"noop\", \"callback\": {\"url\": \"http://127.0.0.1/hook\", \"events\": [\"running\"]}}",
                "{\"task\": \"noop\", \"callback\": {\"url\": \"http://127.0.0.1/hook\", \"events\": []}}",
                "{\"task\": \"noop\", \"callback\": {\"url\": \"http://127.0.0.1/hook\", \"secret\": \"x\"}}",
                "{\"task\": \"noop\", \"callback\": \"http://127.0.0.1/hook\"}",
                "{\"task\": \"noop\", \"callback\": {}}")) {
            HttpResponse<String> r = cp.post("/tasks", bad);
            assertTrue(Daemon.problem(r, 400, bad).get("detail").asText().contains("callback"), r.body());
        }
        assertTrue(cp.post("/tasks", "{\"task\": \"noop\", \"callback\": {\"url\": \"http://evil.com/\"}}").body()
                .contains("fastworker.callbacks.allowed-hosts"));
    }

    static JsonNode awaitChain(String id) throws Exception {
        return Daemon.await(() -> json(cp.get("/chains/" + id)), c -> !c.path("status").asText().equals("running"),
                Duration.ofSeconds(30), "chain " + id + " ended");
    }

    @Test
    @Order(14)
    void aChainPassesEachResultOnAndStopsWhereAStepFails() throws Exception {
        String sum = submit("{\"task\": \"add\", \"args\": [2, 3], \"then\": {\"task\": \"add\", \"args\": [10]}}");
        JsonNode chain = awaitChain(sum);
        assertEquals("success", chain.get("status").asText(), chain.toString());
        assertEquals(2, chain.get("steps").asInt());
        String second = chain.get("tasks").get(1).get("id").asText();
        assertEquals(sum + ":then-1", second);
        JsonNode last = json(cp.get("/tasks/" + second));
        assertEquals(15, last.get("result").asInt(), "add(2,3) then add(10): " + last);
        assertEquals(sum, last.get("chain").get("id").asText());
        assertEquals(1, last.get("chain").get("step").asInt());

        String three = submit("{\"task\": \"add\", \"args\": [1, 1], \"then\": {\"task\": \"add\", \"args\": [1], "
                + "\"priority\": \"high\", \"then\": {\"task\": \"echo\"}}}");
        chain = awaitChain(three);
        assertEquals("success", chain.get("status").asText(), chain.toString());
        assertEquals(3, json(cp.get("/tasks/" + chain.get("tasks").get(2).get("id").asText())).get("result").asInt());
        assertEquals("high", json(cp.get("/tasks/" + three + ":then-1")).get("priority").asText());

        String broken = submit("{\"task\": \"add\", \"args\": [1, 1], \"then\": {\"task\": \"fail\", "
                + "\"then\": {\"task\": \"echo\"}}}");
        chain = awaitChain(broken);
        assertEquals("stopped", chain.get("status").asText(), chain.toString());
        assertEquals(2, chain.get("stoppedAt").get("step").asInt());
        assertEquals("failure", chain.get("stoppedAt").get("status").asText());
        assertTrue(chain.get("tasks").get(2).get("status").isNull(), "the step after a failure never runs");
        Thread.sleep(300);
        assertEquals(404, cp.get("/tasks/" + broken + ":then-2").statusCode());
        HttpResponse<String> notFirst = cp.get("/chains/" + broken + ":then-1");
        assertEquals(404, notFirst.statusCode());
        assertTrue(notFirst.body().contains("step 2 of chain"), notFirst.body());
    }

    @Test
    @Order(15)
    void aChainIsCheckedWholeBeforeItIsAccepted() throws Exception {
        for (String bad : List.of("{\"task\": \"noop\", \"then\": {\"task\": \"no_such_task\"}}",
                "{\"task\": \"noop\", \"then\": {\"task\": \"add\", \"args\": [1, 2]}}",
                "{\"task\": \"noop\", \"then\": {\"task\": \"echo\", \"id\": \"mine\"}}",
                "{\"task\": \"noop\", \"then\": {\"task\": \"echo\", \"then\": {\"task\": \"echo\", \"priority\": \"urgent\"}}}",
                "{\"task\": \"noop\", \"then\": [\"echo\"]}")) {
            HttpResponse<String> r = cp.post("/tasks", bad);
            assertTrue(Daemon.problem(r, 400, bad).get("detail").asText().contains("then"), r.body());
        }
        HttpResponse<String> deep = cp.post("/tasks", "{\"task\": \"noop\", \"then\": {\"task\": \"echo\", "
                + "\"then\": {\"task\": \"echo\", \"then\": {\"task\": \"add\", \"args\": [1, 2]}}}}");
        assertEquals(400, deep.statusCode());
        assertTrue(json(deep).get("detail").asText().contains("step 3"), deep.body());
    }

    static JsonNode awaitGroup(String id, boolean withThen) throws Exception {
        return Daemon.await(() -> json(cp.get("/groups/" + id)), g -> !g.path("status").asText().equals("running")
                && (!withThen || (g.path("then").hasNonNull("status")
                        && List.of("success", "failure").contains(g.get("then").get("status").asText()))),
                Duration.ofSeconds(30), "group " + id + " ended");
    }

    @Test
    @Order(16)
    void aGroupsThenRunsOnceWithEveryResultAndNotAfterAFailure() throws Exception {
        HttpResponse<String> r = cp.post("/groups",
                "{\"id\": \"sums\", \"tasks\": [{\"task\": \"add\", \"args\": [1, 2]}, "
                        + "{\"task\": \"sleep\", \"args\": [300]}, {\"task\": \"add\", \"args\": [5, 6]}], \"then\": {\"task\": "
                        + "\"echo\"}}");
        assertEquals(202, r.statusCode(), r.body());
        assertEquals("[\"sums:0\",\"sums:1\",\"sums:2\"]", json(r).get("ids").toString());
        assertEquals("sums:then", json(r).get("then").asText());
        JsonNode g = awaitGroup("sums", true);
        assertEquals("success", g.get("status").asText(), g.toString());
        assertEquals(3, g.get("done").asInt());
        JsonNode chord = json(cp.get("/tasks/sums:then"));
        assertEquals("[3,300,11]", chord.get("result").toString(), "every result, in member order: " + chord);
        assertEquals(1, json(cp.get("/tasks/sums:1")).get("group").get("index").asInt());
        assertEquals(409, cp.post("/groups", "{\"id\": \"sums\", \"tasks\": [{\"task\": \"noop\"}]}").statusCode());

        HttpResponse<String> f = cp.post("/groups", "{\"tasks\": [{\"task\": \"add\", \"args\": [1, 1]}, {\"task\": "
                + "\"fail\", \"args\": [\"no\"]}], \"then\": {\"task\": \"echo\"}}");
        assertEquals(202, f.statusCode(), f.body());
        String id = json(f).get("id").asText();
        g = awaitGroup(id, false);
        assertEquals("failure", g.get("status").asText(), g.toString());
        Thread.sleep(300);
        assertTrue(json(cp.get("/groups/" + id)).get("then").get("status").isNull(), "the then never runs");
        assertEquals(404, cp.get("/tasks/" + id + ":then").statusCode());
    }

    @Test
    @Order(17)
    void aGroupIsCheckedWholeBeforeAnyOfItIsAccepted() throws Exception {
        for (String bad : List.of("{\"tasks\": []}", "{}", "{\"tasks\": [{\"task\": \"noop\", \"id\": \"x\"}]}",
                "{\"tasks\": [{\"task\": \"noop\"}, {\"task\": \"no_such_task\"}]}",
                "{\"tasks\": [{\"task\": \"noop\"}], \"then\": {\"task\": \"add\", \"args\": [1, 2]}}",
                "{\"tasks\": [{\"task\": \"noop\"}], \"extra\": 1}",
                "{\"id\": \"a b\", \"tasks\": [{\"task\": \"noop\"}]}",
                "[]")) {
            Daemon.problem(cp.post("/groups", bad), 400, bad);
        }
        assertTrue(json(cp.post("/groups", "{\"tasks\": [{\"task\": \"noop\"}, {\"task\": \"nope\"}]}")).get("detail")
                .asText().startsWith("task 1: "));
        assertEquals(404, cp.get("/groups/never-made").statusCode());
    }
}
