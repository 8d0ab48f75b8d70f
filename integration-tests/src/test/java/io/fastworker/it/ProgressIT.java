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
 * A running task's progress, as a user sees it: reported by a Java subworker's task body and by the Python example,
 * shown in {@code GET /tasks/{id}} and as {@code event: progress} on the feed, paced however fast a body reports,
 * and safe from a subworker that lies about whose task it reports on or floods the link with reports.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProgressIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Daemon cp;
    static Daemon java;
    static Process python;

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
        java = Daemon.subworker(cp.linkAddress(), "w1", 4, Map.of(), true);
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
        if (java != null) {
            java.close();
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
            JsonNode frame = null;
            for (int i = 0; i < 20 && frame == null; i++) {
                JsonNode f = liar.next(Duration.ofSeconds(1));
                if (f != null && f.path("body").path("taskId").asText().equals(mine)) {
                    frame = f;
                }
            }
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
}
