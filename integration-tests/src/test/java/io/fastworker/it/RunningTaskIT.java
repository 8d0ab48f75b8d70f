package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * A running task, as a user sees it, through a Java subworker and the Python example.
 *
 * <p>Its progress: reported by the task body, shown in {@code GET /tasks/{id}} and as {@code event: progress} on
 * the feed, paced however fast a body reports, and safe from a subworker that lies about whose task it reports on or
 * floods the link with reports.
 *
 * <p>Its cancel: {@code DELETE} answers 202 and {@code cancelling}, the executor stops the body, the task ends
 * {@code cancelled} and is never retried; a body that ignores the cancel is abandoned after the grace; a result that
 * comes after the cancel is dropped; a cancel that races the attempt's end gives one consistent answer.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunningTaskIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Daemon cp;
    static Daemon subworker;
    static Process python;

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
        subworker = Daemon.subworker(cp.linkAddress(), "w1", 4, Map.of("FASTWORKER_CANCEL_GRACE", "PT1S"), true);
        python = new ProcessBuilder("python3", Daemon.PYTHON_SUBWORKER, "--address", cp.linkAddress(), "--worker-id",
                "py1").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        Daemon.await(() -> cp.get("/workers").body(), b -> b.contains("\"w1\"") && b.contains("\"py1\""),
                Duration.ofSeconds(30), "w1 and py1 joined");
    }

    @AfterAll
    static void stop() throws Exception {
        if (python != null) {
            python.destroy();
        }
        if (subworker != null) {
            subworker.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    static String submit(String body) throws Exception {
        var r = cp.post("/tasks", body);
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    static JsonNode task(String id) throws Exception {
        return JSON.readTree(cp.get("/tasks/" + id).body());
    }

    /** Reads the task every 20 ms until it has finished; returns each progress it showed while running. */
    static List<JsonNode> progressUntilDone(String id) throws Exception {
        List<JsonNode> seen = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode t = task(id);
            String status = t.get("status").asText();
            if (Set.of("success", "failure", "cancelled").contains(status)) {
                assertTrue(t.get("progress").isNull(), "a finished task shows no progress: " + t);
                return seen;
            }
            if (!status.equals("running")) {
                assertTrue(t.get("progress").isNull(), "a task that does not run shows no progress: " + t);
            } else if (!t.get("progress").isNull()) {
                seen.add(t.get("progress"));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("task " + id + " did not finish");
    }

    /** The feed's events for {@code id} until its task event with a terminal status. */
    static List<SseStream.Event> eventsUntilDone(SseStream feed) throws Exception {
        List<SseStream.Event> events = new ArrayList<>();
        while (true) {
            SseStream.Event e = feed.next(Duration.ofSeconds(60));
            assertNotNull(e, "the feed went quiet before the task ended: " + events);
            assertFalse(e == SseStream.END, "the feed ended: " + events);
            events.add(e);
            String status = JSON.readTree(e.data()).path("status").asText();
            if (e.name().equals("task") && Set.of("success", "failure", "cancelled").contains(status)) {
                return events;
            }
        }
    }

    @Test
    @Order(1)
    void aJavaTaskBodysProgressShowsInTheTaskAndOnTheFeed() throws Exception {
        String id = "progress-java-" + System.nanoTime();
        try (SseStream feed = new SseStream(cp, "?id=" + id, Map.of())) {
            submit("{\"id\": \"" + id + "\", \"task\": \"steps\", \"args\": [8, 150]}");
            List<JsonNode> seen = progressUntilDone(id);
            assertTrue(seen.size() >= 3, "progress seen while it ran: " + seen);
            double last = 0;
            for (JsonNode p : seen) {
                double f = p.get("fraction").asDouble();
                assertTrue(f > 0 && f <= 1 && f >= last, "fractions grow: " + seen);
                last = f;
                int step = (int) Math.round(f * 8);
                assertEquals("step " + step + " of 8", p.get("message").asText(), p.toString());
                Instant.parse(p.get("at").asText());
            }
            assertTrue(seen.stream().map(p -> p.get("fraction").asDouble()).distinct().count() >= 2, seen.toString());

            List<SseStream.Event> events = eventsUntilDone(feed);
            List<JsonNode> progress = new ArrayList<>();
            for (SseStream.Event e : events) {
                if (e.name().equals("progress")) {
                    JsonNode p = JSON.readTree(e.data());
                    assertEquals(id, p.get("id").asText());
                    assertEquals("steps", p.get("task").asText());
                    assertEquals("running", p.get("status").asText());
                    assertEquals("w1", p.get("worker").asText());
                    assertEquals(1, p.get("attempt").asInt());
                    assertNotNull(e.id(), "a progress event has an id to resume from");
                    progress.add(p);
                }
            }
            assertTrue(progress.size() >= 3 && progress.size() <= 8, "reports every 150 ms, passed on at most every "
                    + "250 ms: " + progress);
            assertEquals("success", JSON.readTree(events.get(events.size() - 1).data()).get("status").asText());
        }
    }

    @Test
    @Order(2)
    void aBodyThatReportsInATightLoopSendsAFewReportsASecond() throws Exception {
        String id = "progress-spam-" + System.nanoTime();
        try (SseStream feed = new SseStream(cp, "?id=" + id, Map.of())) {
            submit("{\"id\": \"" + id + "\", \"task\": \"steps\", \"args\": [1500, 1]}");
            List<SseStream.Event> events = eventsUntilDone(feed);
            JsonNode t = task(id);
            assertEquals("success", t.get("status").asText(), t.toString());
            long ranMs = Duration.between(Instant.parse(t.get("startedAt").asText()),
                    Instant.parse(t.get("finishedAt").asText())).toMillis();
            long reports = events.stream().filter(e -> e.name().equals("progress")).count();
            assertTrue(ranMs >= 1500, "1500 steps of 1 ms: " + ranMs);
            assertTrue(reports >= 3 && reports <= ranMs / 250 + 2, reports + " reports for 1500 made in " + ranMs
                    + " ms: at most one per 250 ms passes");
        }
    }

    @Test
    @Order(3)
    void aPythonSubworkerReportsProgressToo() throws Exception {
        String id = submit("{\"task\": \"py_steps\", \"args\": [6, 200]}");
        List<JsonNode> seen = progressUntilDone(id);
        assertTrue(seen.size() >= 2, "progress seen while it ran: " + seen);
        for (JsonNode p : seen) {
            assertTrue(p.get("message").asText().matches("step [1-6] of 6"), p.toString());
        }
        JsonNode t = task(id);
        assertEquals("success", t.get("status").asText(), t.toString());
        assertEquals("py1", t.get("worker").asText());
    }

    @Test
    @Order(4)
    void aSubworkerCannotReportOnAnothersTaskNorFloodTheFeedAndABadReportEndsItsLink() throws Exception {
        String other = submit("{\"task\": \"steps\", \"args\": [20, 150]}");
        Daemon.await(() -> task(other), t -> !t.get("progress").isNull(), Duration.ofSeconds(30), other + " reports");
        try (RawLinkClient liar = new RawLinkClient(cp.linkPort)) {
            JsonNode reply = liar.join("liar", null, "[\"raw_job\"]");
            assertTrue(reply.path("body").path("ok").asBoolean(), String.valueOf(reply));
            liar.send("fastworker.link.credit", "{\"credits\": 1}");
            String mine = submit("{\"task\": \"raw_job\"}");
            JsonNode frame = liar.awaitTask(mine);
            assertNotNull(frame, "the liar got its task: " + liar.received());
            int attempt = frame.get("body").get("attempt").asInt();
            try (SseStream feed = new SseStream(cp, "?id=" + mine + "&id=" + other, Map.of())) {
                long sent = System.nanoTime();
                int n = 5000;
                for (int i = 1; i <= n; i++) {
                    liar.send("fastworker.link.progress", "{\"taskId\": \"" + mine + "\", \"attempt\": " + attempt
                            + ", \"fraction\": " + ((double) i / n) + ", \"message\": \"flood " + i + "\"}");
                    if (i % 100 == 0) { // and on a task another subworker runs, as every attempt it might be
                        for (int a = 1; a <= 3; a++) {
                            liar.send("fastworker.link.progress", "{\"taskId\": \"" + other + "\", \"attempt\": " + a
                                    + ", \"fraction\": 0.999, \"message\": \"forged\"}");
                        }
                    }
                }
                JsonNode last = Daemon.await(() -> task(mine), t -> !t.get("progress").isNull()
                        && t.get("progress").get("message").asText().equals("flood " + n), Duration.ofSeconds(30),
                        "the flood's last report shows");
                long floodMs = (System.nanoTime() - sent) / 1_000_000;
                assertEquals(1.0, last.get("progress").get("fraction").asDouble());
                Thread.sleep(300);
                List<JsonNode> flood = new ArrayList<>();
                for (SseStream.Event e = feed.next(Duration.ofMillis(200)); e != null; e = feed.next(
                        Duration.ofMillis(200))) {
                    JsonNode data = JSON.readTree(e.data());
                    if (e.name().equals("progress")) {
                        if (data.get("id").asText().equals(mine)) {
                            flood.add(data);
                        } else {
                            assertFalse(data.path("message").asText().equals("forged"), data.toString());
                            assertEquals("w1", data.get("worker").asText(), data.toString());
                        }
                    }
                }
                assertTrue(flood.size() >= 1 && flood.size() <= floodMs / 100 + 2, flood.size() + " events for " + n
                        + " reports in " + floodMs + " ms: at most one per 100 ms reaches the feed");
                assertFalse(task(other).get("progress").path("message").asText().equals("forged"));
            }
            // A report out of range is a malformed message: the liar's link ends, naming the field.
            liar.send("fastworker.link.progress", "{\"taskId\": \"" + mine + "\", \"attempt\": " + attempt
                    + ", \"fraction\": 2}");
            assertTrue(liar.awaitClosed(Duration.ofSeconds(10)), "the link is closed");
            assertTrue(liar.error().contains("fraction"), liar.error());
            JsonNode requeued = Daemon.await(() -> task(mine), t -> t.get("status").asText().equals("queued"),
                    Duration.ofSeconds(30), "its task queued again");
            assertTrue(requeued.get("progress").isNull(), "no progress once it stopped running: " + requeued);
            assertEquals(200, cp.delete("/tasks/" + mine).statusCode());
        }
        JsonNode done = Daemon.await(() -> task(other), t -> t.get("status").asText().equals("success"),
                Duration.ofSeconds(30), "the other task ends as its own body says");
        assertEquals("w1", done.get("worker").asText());
        assertTrue(done.get("progress").isNull());
    }

    static JsonNode awaitStatus(String id, String status) throws Exception {
        return Daemon.await(() -> task(id), t -> t.get("status").asText().equals(status), Duration.ofSeconds(30),
                id + " " + status);
    }

    /** Cancels a running task: 202 with the task cancelling; returns how long it then took to be cancelled. */
    static long cancelRunning(String id) throws Exception {
        var r = cp.delete("/tasks/" + id);
        assertEquals(202, r.statusCode(), r.body());
        // cancelling; or cancelled already, when the executor stopped it before the answer was written
        assertTrue(Set.of("cancelling", "cancelled").contains(JSON.readTree(r.body()).get("status").asText()),
                r.body());
        long asked = System.nanoTime();
        JsonNode t = awaitStatus(id, "cancelled");
        long tookMs = (System.nanoTime() - asked) / 1_000_000;
        assertTrue(t.get("result").isNull(), t.toString());
        JsonNode last = t.get("history").get(t.get("history").size() - 1);
        assertEquals("cancelled", last.get("error").get("type").asText(), t.toString());
        return tookMs;
    }

    @Test
    @Order(5)
    void aJavaBodyIsInterruptedTheTaskIsCancelledAndNeverRetried() throws Exception {
        try (SseStream feed = new SseStream(cp, "?task=steps", Map.of())) {
            String id = submit("{\"task\": \"steps\", \"args\": [100, 100], \"maxRetries\": 3}");
            Daemon.await(() -> task(id), t -> !t.get("progress").isNull(), Duration.ofSeconds(30), "it runs");
            long tookMs = cancelRunning(id);
            assertTrue(tookMs < 5_000, "the interrupted sleep ends the body at once, not after 10 s: " + tookMs);
            Thread.sleep(1_500);
            JsonNode t = task(id);
            assertEquals("cancelled", t.get("status").asText(), "never retried: " + t);
            assertEquals(1, t.get("attempts").asInt(), t.toString());
            List<String> statuses = new ArrayList<>();
            for (SseStream.Event e = feed.next(Duration.ofSeconds(2)); e != null; e = feed.next(Duration.ofMillis(
                    300))) {
                JsonNode d = JSON.readTree(e.data());
                if (e.name().equals("task") && d.get("id").asText().equals(id)) {
                    statuses.add(d.get("status").asText());
                }
            }
            assertEquals(List.of("queued", "running", "cancelling", "cancelled"), statuses);
        }
        assertTrue(subworker.log().contains("asked to stop"), "the subworker says so");
    }

    @Test
    @Order(6)
    void aBodyThatIgnoresItsCancelIsAbandonedAfterTheGrace() throws Exception {
        String id = submit("{\"task\": \"spin\", \"args\": [8000]}");
        awaitStatus(id, "running");
        long tookMs = cancelRunning(id);
        assertTrue(tookMs >= 900 && tookMs < 6_000, "after the grace of 1 s, not the body's 8 s: " + tookMs);
        JsonNode t = task(id);
        assertTrue(t.get("history").get(0).get("error").get("message").asText().contains("abandoned"), t.toString());
        Daemon.await(() -> subworker.log(), log -> log.contains("did not stop within fastworker.cancel.grace"),
                Duration.ofSeconds(10), "a WARN on the subworker");
    }

    @Test
    @Order(7)
    void thePythonExampleStopsItsTaskToo() throws Exception {
        String id = submit("{\"task\": \"py_steps\", \"args\": [100, 100]}");
        Daemon.await(() -> task(id), t -> !t.get("progress").isNull(), Duration.ofSeconds(30), "it runs");
        long tookMs = cancelRunning(id);
        assertTrue(tookMs < 5_000, "py_steps stops at its next step: " + tookMs);
        assertEquals("py1", task(id).get("worker").asText());
        // py1 is free again: its next task runs.
        var r = cp.post("/tasks?wait=10s", "{\"task\": \"py_reverse\", \"args\": [\"abc\"]}");
        assertEquals("cba", JSON.readTree(r.body()).get("result").asText(), r.body());
    }

    @Test
    @Order(8)
    void aCancelRacingTheAttemptsEndGivesOneConsistentAnswer() throws Exception {
        List<String> ids = new ArrayList<>();
        Map<String, Integer> answers = new java.util.HashMap<>();
        java.util.Random rnd = new java.util.Random(42);
        for (int i = 0; i < 60; i++) { // each cancel comes at a random moment of its task's 30 to 70 ms
            String id = submit("{\"task\": \"sleep\", \"args\": [" + (30 + i % 5 * 10) + "]}");
            Thread.sleep(rnd.nextInt(80));
            ids.add(id);
            answers.put(id, cp.delete("/tasks/" + id).statusCode());
        }
        int raced = 0;
        for (String id : ids) {
            JsonNode t = Daemon.await(() -> task(id), v -> Set.of("success", "cancelled").contains(v.get("status")
                    .asText()), Duration.ofSeconds(30), id + " ended");
            int answer = answers.get(id);
            String status = t.get("status").asText();
            switch (answer) {
                case 200, 202 -> assertEquals("cancelled", status, answer + " then " + t);
                case 409 -> assertEquals("success", status, answer + " then " + t);
                default -> throw new AssertionError("DELETE answered " + answer + " for " + t);
            }
            if (answer == 202) {
                raced++;
                assertTrue(t.get("result").isNull(), "a result after the cancel is dropped: " + t);
            }
            assertTrue(t.get("attempts").asInt() <= 1, "never retried: " + t);
        }
        System.out.println("cancels racing attempts: " + raced + " answered 202 of " + ids.size() + ": " + answers
                .values().stream().collect(java.util.stream.Collectors.groupingBy(a -> a, java.util.stream.Collectors
                        .counting())));
    }

    @Test
    @Order(9)
    void aResultThatComesAfterTheCancelIsDroppedAndAnOldSubworkerIsNotSentOne() throws Exception {
        try (RawLinkClient old = new RawLinkClient(cp.linkPort)) {
            JsonNode reply = old.join("old", null, "[\"raw_job\"]"); // protocol 1: it knows no cancel
            assertTrue(reply.path("body").path("ok").asBoolean(), String.valueOf(reply));
            old.send("fastworker.link.credit", "{\"credits\": 1}");
            String id = submit("{\"task\": \"raw_job\", \"maxRetries\": 2}");
            JsonNode frame = old.awaitTask(id);
            assertNotNull(frame, "it got its task: " + old.received());
            var r = cp.delete("/tasks/" + id);
            assertEquals(202, r.statusCode(), r.body());
            JsonNode more = old.next(Duration.ofMillis(500));
            assertTrue(more == null || !more.path("body").has("cancel"), "no cancel for protocol 1: " + more);
            assertEquals("cancelling", task(id).get("status").asText());
            old.send("fastworker.link.result", "{\"taskId\": \"" + id + "\", \"attempt\": 1, \"ok\": true, "
                    + "\"result\": 42, \"credits\": 1}");
            JsonNode t = awaitStatus(id, "cancelled");
            assertTrue(t.get("result").isNull(), "its late result is dropped: " + t);
        }
    }
}
