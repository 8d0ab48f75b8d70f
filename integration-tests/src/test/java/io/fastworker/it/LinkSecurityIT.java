package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The link trusts no client: a hostile client on the link port, with or without the token, lies in every field it
 * sends and cannot take another worker's tasks, speak for it, or use up the control plane. One real subworker, w1,
 * keeps running every task throughout.
 */
class LinkSecurityIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String TOKEN = "t0ken-for-tests";
    static Daemon cp;
    static Daemon w1;

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false",
                "FASTWORKER_LINK_TOKEN", TOKEN, "FASTWORKER_LINK_JOIN_TIMEOUT", "PT2S",
                "FASTWORKER_LINK_STALL_TIMEOUT", "PT2S", "FASTWORKER_LINK_MAX_CONNECTIONS", "40"));
        w1 = Daemon.subworker(cp.linkAddress(), "w1", 2, Map.of("FASTWORKER_LINK_TOKEN", TOKEN), true);
    }

    @AfterAll
    static void stop() throws Exception {
        for (Daemon d : new Daemon[] {w1, cp}) {
            if (d != null) {
                d.close();
            }
        }
    }

    static RawLinkClient client() throws Exception {
        return new RawLinkClient(cp.linkPort);
    }

    /** Submits {@code n} add tasks and checks that every one ran on w1. */
    static void allRunOnW1(int n) throws Exception {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"task\": \"add\", \"args\": [").append(i).append(", 1]}");
        }
        HttpResponse<String> r = cp.post("/tasks/batch", batch.append("]").toString());
        assertEquals(202, r.statusCode(), r.body());
        for (JsonNode id : JSON.readTree(r.body()).get("ids")) {
            JsonNode t = JSON.readTree(cp.get("/tasks/" + id.asText() + "?wait=30s").body());
            assertEquals("success", t.get("status").asText(), t.toString());
            assertEquals("w1", t.get("worker").asText(), "only the real worker runs tasks: " + t);
            assertEquals(1, t.get("attempts").asInt(), "no task was stolen and redelivered: " + t);
        }
    }

    static JsonNode w1Entry() throws Exception {
        for (JsonNode w : JSON.readTree(cp.get("/workers").body())) {
            if (w.get("id").asText().equals("w1")) {
                return w;
            }
        }
        throw new AssertionError("w1 is gone: " + cp.get("/workers").body());
    }

    @Test
    void aClientThatNeverJoinsGetsNoTaskAndIsClosed() throws Exception {
        try (RawLinkClient attacker = client()) {
            attacker.frame("{\"type\": \"register\", \"address\": \"fastworker.worker.w1\"}");
            allRunOnW1(30);
            assertTrue(attacker.awaitClosed(Duration.ofSeconds(10)), "closed once the join deadline passed");
            assertTrue(attacker.received().stream().noneMatch(f -> "message".equals(f.path("type").asText())),
                    "it received nothing: " + attacker.received());
            assertTrue(attacker.error().contains("did not join within PT2S"), attacker.error());
        }
    }

    @Test
    void aJoinThatAnnouncesBadOrForeignLimitsIsRefused() throws Exception {
        String[] bad = {"{\"add\": {\"maxConcurrency\": 1}}", "{\"nothing\": {\"maxConcurrency\": 0}}",
            "{\"nothing\": {\"rateLimit\": \"fast\"}}", "{\"nothing\": {\"maxConcurrency\": \"1\"}}",
            "{\"nothing\": {\"priority\": 1}}", "{\"nothing\": 5}", "[]"};
        int i = 0;
        for (String limits : bad) {
            try (RawLinkClient attacker = client()) {
                String id = "limits" + i++;
                attacker.frame("{\"type\": \"register\", \"address\": \"fastworker.worker." + id + "\"}");
                attacker.send("fastworker.link.join\", \"replyAddress\": \"r1", "{\"protocol\": 1, \"workerId\": \""
                        + id + "\", \"tasks\": [\"nothing\"], \"concurrency\": 1, \"token\": \"" + TOKEN
                        + "\", \"limits\": " + limits + "}");
                JsonNode reply = attacker.next(Duration.ofSeconds(10));
                assertNotNull(reply, limits);
                assertEquals(400, reply.path("failureCode").asInt(), limits + ": " + reply);
                assertTrue(reply.path("message").asText().contains("limit"), reply.toString());
                assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), "a refused join closes the connection");
            }
        }
        // A subworker can never limit a task it does not run (add is w1's and the control plane's).
        assertEquals(404, cp.get("/limits/add").statusCode());
        allRunOnW1(10);
    }

    @Test
    void aJoinThatLiesAboutItsFrameSizeOrBatchingIsRefused() throws Exception {
        int i = 0;
        for (String field : List.of("\"maxFrameSize\": 10", "\"maxFrameSize\": -1",
                "\"maxFrameSize\": 4611686018427387904", "\"maxFrameSize\": 1.5", "\"maxFrameSize\": \"2M\"",
                "\"batch\": \"yes\"")) {
            try (RawLinkClient attacker = client()) {
                String id = "liar" + i++;
                attacker.frame("{\"type\": \"register\", \"address\": \"fastworker.worker." + id + "\"}");
                attacker.send("fastworker.link.join\", \"replyAddress\": \"r1", "{\"protocol\": 1, \"workerId\": \""
                        + id + "\", \"tasks\": [\"nothing\"], \"concurrency\": 1, \"token\": \"" + TOKEN + "\", "
                        + field + "}");
                JsonNode reply = attacker.next(Duration.ofSeconds(10));
                assertNotNull(reply, field);
                assertEquals(400, reply.path("failureCode").asInt(), field + ": " + reply);
                assertTrue(reply.path("message").asText().contains(field.substring(1, field.indexOf('"', 1))),
                        reply.toString());
                assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), "a refused join closes the connection");
            }
        }
        allRunOnW1(5);
    }

    @Test
    void headersThatAreNoStringMapsCloseTheConnection() throws Exception {
        int i = 0;
        for (String headers : List.of("\"x\"", "{\"a\": 1}", "[\"a\"]")) {
            try (RawLinkClient attacker = client()) {
                assertTrue(attacker.join("headers" + i++, TOKEN, "[\"nothing\"]").path("body").path("ok").asBoolean());
                attacker.frame("{\"type\": \"send\", \"address\": \"fastworker.link.heartbeat\", \"headers\": "
                        + headers + ", \"body\": {}}");
                assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), headers);
                assertTrue(attacker.error().contains("'headers' must be an object of strings"), attacker.error());
            }
        }
        allRunOnW1(5);
    }

    @Test
    void creditsBeyondItsConcurrencyAreALieAndAFloodOfFramesIsReadSlowly() throws Exception {
        try (RawLinkClient liar = client()) {
            assertTrue(liar.join("overgrant", TOKEN, "[\"nothing\"]").path("body").path("ok").asBoolean());
            for (int i = 0; i < 50 && !liar.awaitClosed(Duration.ofMillis(1)); i++) {
                try {
                    liar.send("fastworker.link.credit", "{\"credits\": 1}");
                } catch (java.net.SocketException closedMeanwhile) {
                    break; // the control plane closed it between the check and the write: asserted below
                }
            }
            assertTrue(liar.awaitClosed(Duration.ofSeconds(5)), "a subworker of concurrency 1 that keeps granting "
                    + "slots is refused");
            assertTrue(liar.error().contains("more slots than its concurrency of 1"), liar.error());
        }
        try (RawLinkClient flooder = client()) {
            assertTrue(flooder.join("pinger", TOKEN, "[\"nothing\"]").path("body").path("ok").asBoolean());
            byte[] ping = "{\"type\":\"ping\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer pings = ByteBuffer.allocate(100_000 * (4 + ping.length));
            for (int i = 0; i < 100_000; i++) {
                pings.putInt(ping.length).put(ping);
            }
            Thread writer = new Thread(() -> {
                try {
                    flooder.bytes(pings.array());
                } catch (java.io.IOException e) {
                    // the test below tells
                }
            });
            writer.start();
            long start = System.nanoTime();
            int pongs = 0;
            while (System.nanoTime() - start < 1_000_000_000L) {
                JsonNode f = flooder.next(Duration.ofMillis(100));
                if (f != null && "pong".equals(f.path("type").asText())) {
                    pongs++;
                }
            }
            assertTrue(pongs > 1000 && pongs < 60_000, "100,000 pings at once are answered at about 20,000 a second "
                    + "after a burst of 20,000, not all at once: " + pongs + " in the first second");
            assertFalse(flooder.awaitClosed(Duration.ofMillis(10)), "a fast client is slowed, not dropped");
            writer.join(10_000);
        }
        assertEquals(200, cp.get("/q/health/ready").statusCode());
        allRunOnW1(5);
    }

    @Test
    void registeringAnotherWorkersAddressThenJoiningIsRefused() throws Exception {
        try (RawLinkClient attacker = client()) {
            attacker.frame("{\"type\": \"register\", \"address\": \"fastworker.worker.w1\"}");
            attacker.send("fastworker.link.join\", \"replyAddress\": \"r1", "{\"protocol\": 1, \"workerId\": "
                    + "\"evil2\", \"tasks\": [\"nothing\"], \"concurrency\": 1, \"token\": \"" + TOKEN + "\"}");
            JsonNode reply = attacker.next(Duration.ofSeconds(10));
            assertNotNull(reply);
            assertEquals(400, reply.path("failureCode").asInt(), reply.toString());
            assertTrue(reply.path("message").asText().contains("registered 'fastworker.worker.w1' but joined as "
                    + "'evil2'"), reply.toString());
            assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), "a refused join closes the connection");
        }
        try (RawLinkClient attacker = client()) {
            attacker.frame("{\"type\": \"register\", \"address\": \"fastworker.worker.a\"}");
            attacker.frame("{\"type\": \"register\", \"address\": \"fastworker.worker.w1\"}");
            assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), "one registration only, before the join");
        }
        allRunOnW1(10);
    }

    @Test
    void aJoinedClientWithTheTokenCannotRegisterForAnotherWorker() throws Exception {
        try (RawLinkClient attacker = client()) {
            JsonNode reply = attacker.join("evil3", TOKEN, "[\"nothing\"]");
            assertTrue(reply.path("body").path("ok").asBoolean(), reply.toString());
            attacker.frame("{\"type\": \"register\", \"address\": \"fastworker.worker.w1\"}");
            assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)));
            assertTrue(attacker.error().contains("receives only for the worker id it joined as"), attacker.error());
        }
        allRunOnW1(20);
    }

    @Test
    void headersAndForgedMessagesNeverSpeakForAnotherWorker() throws Exception {
        HttpResponse<String> r = cp.post("/tasks", "{\"task\": \"sleep\", \"args\": [1500]}");
        String id = JSON.readTree(r.body()).get("id").asText();
        long deadline = System.currentTimeMillis() + 10_000;
        while (!cp.get("/tasks/" + id).body().contains("\"running\"")) {
            assertTrue(System.currentTimeMillis() < deadline);
            Thread.sleep(20);
        }
        String spoof = "\"headers\": {\"Fastworker-Connection\": \"c1\", \"fastworker-connection\": \"c2\"}";
        try (RawLinkClient attacker = client()) {
            assertTrue(attacker.join("evil4", TOKEN, "[\"nothing\"]").path("body").path("ok").asBoolean());
            attacker.frame("{\"type\": \"send\", \"address\": \"fastworker.link.result\", " + spoof + ", \"body\": "
                    + "{\"taskId\": \"" + id + "\", \"attempt\": 1, \"ok\": true, \"result\": \"FORGED\", "
                    + "\"credits\": 1}}");
            attacker.frame("{\"type\": \"send\", \"address\": \"fastworker.link.drain\", " + spoof + ", \"body\": {}}");
            attacker.frame("{\"type\": \"send\", \"address\": \"fastworker.link.credit\", " + spoof
                    + ", \"body\": {\"credits\": 1000}}");
            attacker.frame("{\"type\": \"send\", \"address\": \"fastworker.link.leave\", " + spoof + ", \"body\": {}}");
            assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), "its own leave ends its own connection");
        }
        JsonNode t = JSON.readTree(cp.get("/tasks/" + id + "?wait=30s").body());
        assertEquals("success", t.get("status").asText(), t.toString());
        assertEquals(1500, t.get("result").asInt(), "the forged result was not taken: " + t);
        assertEquals("w1", t.get("worker").asText());
        JsonNode w = w1Entry();
        assertTrue(w.get("active").asBoolean(), "w1 is not draining: " + w);
        assertTrue(w.get("concurrency").asInt() == 2);
        allRunOnW1(10);
    }

    @Test
    void messagesBeforeJoiningCloseTheConnection() throws Exception {
        for (String address : List.of("fastworker.link.leave", "fastworker.link.drain", "fastworker.link.credit",
                "fastworker.link.result")) {
            try (RawLinkClient attacker = client()) {
                attacker.frame("{\"type\": \"send\", \"address\": \"" + address + "\", \"headers\": "
                        + "{\"fastworker-connection\": \"c1\"}, \"body\": {\"credits\": 5}}");
                assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), address);
                assertTrue(attacker.error().contains("join first"), attacker.error());
            }
        }
        allRunOnW1(5);
    }

    @Test
    void aDuplicateWorkerIdOrAWrongTokenIsRefusedAndClosed() throws Exception {
        try (RawLinkClient attacker = client()) {
            JsonNode reply = attacker.join("w1", TOKEN, "[\"add\"]");
            assertEquals(409, reply.path("failureCode").asInt(), reply.toString());
            assertTrue(reply.path("message").asText().contains("'w1' is already joined"), reply.toString());
            assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)));
        }
        try (RawLinkClient attacker = client()) {
            JsonNode reply = attacker.join("guesser", "guess", "[\"add\"]");
            assertEquals(401, reply.path("failureCode").asInt(), reply.toString());
            assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)));
        }
        assertFalse(cp.log().contains(TOKEN), "the token is never logged");
        allRunOnW1(5);
    }

    @Test
    void wronglyTypedFieldsCloseTheConnectionWithoutAStackTrace() throws Exception {
        List<String> bodies = List.of(
                "{\"type\": \"send\", \"address\": \"fastworker.link.result\", \"body\": {\"taskId\": \"x\", "
                        + "\"attempt\": \"one\"}}",
                "{\"type\": \"send\", \"address\": \"fastworker.link.credit\", \"body\": {\"credits\": \"many\"}}",
                "{\"type\": \"send\", \"address\": \"fastworker.link.result\", \"body\": {\"results\": [1, 2]}}",
                "{\"type\": \"send\", \"address\": \"fastworker.link.result\", \"body\": \"a string\"}",
                "{\"type\": 7, \"address\": \"fastworker.link.result\"}",
                "{\"type\": \"register\", \"address\": {\"a\": 1}}");
        int i = 0;
        for (String body : bodies) {
            try (RawLinkClient attacker = client()) {
                assertTrue(attacker.join("typed" + i++, TOKEN, "[\"nothing\"]").path("body").path("ok").asBoolean());
                attacker.frame(body);
                assertTrue(attacker.awaitClosed(Duration.ofSeconds(5)), body);
                assertNotNull(attacker.error(), "an err frame names the problem: " + body);
            }
        }
        String log = cp.log();
        assertTrue(log.lines().noneMatch(l -> l.trim().startsWith("at ") || l.contains("ClassCastException")),
                "no stack trace in the control plane's log:\n" + log);
        allRunOnW1(5);
    }

    @Test
    void idleHalfWrittenOversizedAndExcessConnectionsAreClosed() throws Exception {
        List<RawLinkClient> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 45; i++) {
                idle.add(client());
            }
            int refusedAtOnce = 0;
            for (RawLinkClient c : idle) {
                JsonNode first = c.next(Duration.ofMillis(200));
                if (first != null && first.path("message").asText().contains("too many link connections")) {
                    refusedAtOnce++;
                }
            }
            assertTrue(refusedAtOnce >= 5, "past fastworker.link.max-connections (40, with w1's) connections are "
                    + "refused at once; refused " + refusedAtOnce);
            assertEquals(200, cp.get("/q/health/ready").statusCode(), "the control plane keeps serving");
            for (RawLinkClient c : idle) {
                assertTrue(c.awaitClosed(Duration.ofSeconds(10)), "an idle connection is closed");
            }
        } finally {
            for (RawLinkClient c : idle) {
                c.close();
            }
        }
        try (RawLinkClient big = client()) {
            big.bytes(ByteBuffer.allocate(4).putInt(1 << 20).array());
            assertTrue(big.awaitClosed(Duration.ofSeconds(5)));
            assertTrue(big.error().contains("exceeds the limit of 65536"), "before a join, frames are small: "
                    + big.error());
        }
        try (RawLinkClient staller = client()) {
            assertTrue(staller.join("staller", TOKEN, "[\"nothing\"]").path("body").path("ok").asBoolean());
            staller.bytes(ByteBuffer.allocate(14).putInt(1000).put("{\"type\":".getBytes()).array());
            assertTrue(staller.awaitClosed(Duration.ofSeconds(10)));
            assertTrue(staller.error().contains("stalled in the middle of a frame"), staller.error());
        }
        allRunOnW1(10);
    }

    @Test
    void aResultOverTheControlPlanesLimitFailsItsTaskAsBadResult() throws Exception {
        try (RawLinkClient liar = client()) {
            JsonNode reply = liar.join("big-talker", TOKEN, "[\"only_big_talker\"]");
            assertEquals(1 << 20, reply.path("body").path("maxResultSize").asInt(), "the join reply states the "
                    + "limit: " + reply);
            liar.send("fastworker.link.credit", "{\"credits\": 1}");
            HttpResponse<String> submitted = cp.post("/tasks", "{\"task\": \"only_big_talker\"}");
            assertEquals(202, submitted.statusCode(), submitted.body());
            String id = JSON.readTree(submitted.body()).get("id").asText();
            JsonNode task = liar.next(Duration.ofSeconds(10));
            assertEquals(id, task.path("body").path("taskId").asText(), String.valueOf(task));
            liar.send("fastworker.link.result", "{\"taskId\": \"" + id + "\", \"attempt\": 1, \"ok\": true, "
                    + "\"result\": \"" + "z".repeat(1_200_000) + "\", \"credits\": 1}");
            JsonNode t = JSON.readTree(cp.get("/tasks/" + id + "?wait=10s").body());
            assertEquals("failure", t.get("status").asText(), t.toString());
            assertEquals("bad_result", t.at("/error/type").asText(), t.toString());
            assertTrue(t.at("/error/message").asText().contains("takes 1200002 bytes as JSON"), t.toString());
        }
        allRunOnW1(3);
    }

    @Test
    void largeResultsTravelSplitAndOneTooBigForAnyFrameFailsOnlyItsTask() throws Exception {
        String payload = "x".repeat(300_000);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 60; i += 3) {
            String entry = "{\"task\": \"echo\", \"args\": [\"" + payload + "\"]}";
            HttpResponse<String> r = cp.post("/tasks/batch", "[" + entry + "," + entry + "," + entry + "]");
            assertEquals(202, r.statusCode(), r.body());
            JSON.readTree(r.body()).get("ids").forEach(id -> ids.add(id.asText()));
        }
        for (String id : ids) {
            JsonNode t = JSON.readTree(cp.get("/tasks/" + id + "?wait=60s").body());
            assertEquals("success", t.get("status").asText(), t.get("error") + "");
            assertEquals(1, t.get("attempts").asInt(), "ran once: results that do not fit one frame are split");
            assertEquals(300_000, t.get("result").asText().length());
        }
        JsonNode tooBig = JSON.readTree(cp.post("/tasks?wait=60s",
                "{\"task\": \"repeat\", \"args\": [\"" + "y".repeat(1000) + "\", 3000], \"maxRetries\": 2}").body());
        assertEquals("failure", tooBig.get("status").asText(), tooBig.toString());
        assertEquals("bad_result", tooBig.get("error").get("type").asText(), tooBig.toString());
        assertEquals(1, tooBig.get("attempts").asInt(), "bad_result is never retried");
        assertNull(tooBig.get("result").isNull() ? null : tooBig.get("result"));
        assertFalse(cp.log().contains("Subworker w1 lost"), "w1's connection stayed up:\n" + cp.log());
        allRunOnW1(5);
    }
}
