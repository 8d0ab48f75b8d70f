package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Periodic schedules on a real control plane: ticks, pause and resume, overlap, restarts, refusals. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScheduleIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Path store;
    static Map<String, String> env;
    static Daemon cp;

    @BeforeAll
    static void start() throws Exception {
        store = Files.createTempDirectory("fastworker-schedules-");
        env = new HashMap<>(Map.of("FASTWORKER_STORE_PATH", store.toString(),
                "FASTWORKER_SCHEDULES__NIGHTLY__TASK", "add", "FASTWORKER_SCHEDULES__NIGHTLY__CRON", "0 3 * * 1-5",
                "FASTWORKER_SCHEDULES__NIGHTLY__TIMEZONE", "Europe/Berlin", "FASTWORKER_SCHEDULES__NIGHTLY__ARGS",
                "[1, 2]"));
        cp = Daemon.controlPlane(env);
    }

    @AfterAll
    static void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
        Daemon.deleteTree(store);
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static HttpResponse<String> create(String schedule) throws Exception {
        return cp.post("/schedules", schedule);
    }

    /** The tasks a schedule submitted (as long as they are kept), oldest tick first. */
    static List<JsonNode> runs(String schedule, String task) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode t : json(cp.get("/tasks?task=" + task + "&limit=1000")).get("items")) {
            if (t.hasNonNull("schedule") && t.get("schedule").get("id").asText().equals(schedule)) {
                out.add(t);
            }
        }
        out.sort((a, b) -> a.get("schedule").get("tick").asText().compareTo(b.get("schedule").get("tick").asText()));
        return out;
    }

    static Set<Instant> ticks(List<JsonNode> runs) {
        Set<Instant> ticks = new HashSet<>();
        for (JsonNode r : runs) {
            assertTrue(ticks.add(Instant.parse(r.get("schedule").get("tick").asText())), "a tick ran twice: " + runs);
        }
        return ticks;
    }

    @Test
    @Order(1)
    void anEverySecondScheduleFiresOncePerTick() throws Exception {
        HttpResponse<String> made = create("{\"id\": \"heartbeat\", \"task\": \"noop\", \"every\": \"1s\"}");
        assertEquals(201, made.statusCode(), made.body());
        assertEquals("/schedules/heartbeat", made.headers().firstValue("Location").orElse("")
                .replaceFirst("^https?://[^/]+", ""));
        Instant created = Instant.now();
        Thread.sleep(4500);
        List<JsonNode> runs = runs("heartbeat", "noop");
        assertTrue(runs.size() >= 4 && runs.size() <= 5, "about 4 runs in 4.5 s: " + runs.size());
        for (JsonNode r : runs) {
            Instant tick = Instant.parse(r.get("schedule").get("tick").asText());
            assertEquals(0, tick.getNano(), "ticks on whole seconds");
            assertEquals("heartbeat:" + tick, r.get("id").asText());
            assertTrue(tick.isAfter(created.minusSeconds(1)));
            Duration late = Duration.between(tick, Instant.parse(r.get("submittedAt").asText()));
            assertTrue(late.compareTo(Duration.ofMillis(900)) < 0, "submitted on its tick: " + late);
        }
        ticks(runs);
        JsonNode view = json(cp.get("/schedules/heartbeat"));
        assertEquals("api", view.get("source").asText());
        // The last run seen, or one that ticked between reading the runs and reading the schedule.
        Instant lastSeen = Instant.parse(runs.get(runs.size() - 1).get("schedule").get("tick").asText());
        Instant lastRun = Instant.parse(view.get("lastRun").get("tick").asText());
        assertFalse(lastRun.isBefore(lastSeen), view.toString());
        assertEquals("heartbeat:" + lastRun, view.get("lastRun").get("taskId").asText(), view.toString());
        assertTrue(Instant.parse(view.get("nextFireAt").asText()).isAfter(Instant.now().minusSeconds(1)));
    }

    @Test
    @Order(2)
    void pauseStopsTicksAndResumeGoesOnWithTheNextOne() throws Exception {
        JsonNode paused = json(cp.post("/schedules/heartbeat/pause", ""));
        assertTrue(paused.get("paused").asBoolean(), paused.toString());
        assertTrue(paused.get("nextFireAt").isNull());
        int before = runs("heartbeat", "noop").size();
        Thread.sleep(2500);
        assertEquals(before, runs("heartbeat", "noop").size(), "no run while paused");
        JsonNode resumed = json(cp.post("/schedules/heartbeat/resume", ""));
        assertFalse(resumed.get("paused").asBoolean());
        Thread.sleep(2200);
        int after = runs("heartbeat", "noop").size();
        assertTrue(after >= before + 1 && after <= before + 3, "runs again after resume: " + before + " -> " + after);
    }

    @Test
    @Order(3)
    void skipIfRunningNeverOverlapsItsRuns() throws Exception {
        assertEquals(201, create("{\"id\": \"slow\", \"task\": \"sleep\", \"args\": [2500], \"every\": \"1s\", "
                + "\"overlap\": \"skip-if-running\"}").statusCode());
        Thread.sleep(6000);
        assertEquals(200, cp.post("/schedules/slow/pause", "").statusCode());
        List<JsonNode> runs = runs("slow", "sleep");
        assertTrue(runs.size() >= 2 && runs.size() <= 3, "a 2.5 s task every 1 s, skipping while it runs: "
                + runs.size());
        for (int i = 1; i < runs.size(); i++) {
            Instant previousEnd = runs.get(i - 1).hasNonNull("finishedAt")
                    ? Instant.parse(runs.get(i - 1).get("finishedAt").asText()) : Instant.MAX;
            Instant submitted = Instant.parse(runs.get(i).get("submittedAt").asText());
            assertTrue(!submitted.isBefore(previousEnd), "run " + i + " submitted before run " + (i - 1) + " ended");
        }
    }

    @Test
    @Order(4)
    void configuredSchedulesShowAndAreChangedOnlyThere() throws Exception {
        JsonNode nightly = json(cp.get("/schedules/nightly"));
        assertEquals("config", nightly.get("source").asText(), nightly.toString());
        assertEquals("0 3 * * 1-5", nightly.get("cron").asText());
        assertEquals("Europe/Berlin", nightly.get("timezone").asText());
        assertEquals("[1,2]", nightly.get("args").toString());
        // The next weekday at 03:00 in Berlin.
        java.time.ZonedDateTime next = Instant.parse(nightly.get("nextFireAt").asText())
                .atZone(java.time.ZoneId.of("Europe/Berlin"));
        assertEquals(3, next.getHour());
        assertEquals(0, next.getMinute());
        assertTrue(next.getDayOfWeek().getValue() <= 5, next.toString());
        HttpResponse<String> delete = cp.request("DELETE", "/schedules/nightly", null, Map.of());
        assertEquals(409, delete.statusCode(), delete.body());
        assertTrue(json(delete).get("detail").asText().contains("fastworker.schedules"), delete.body());
        HttpResponse<String> put = cp.request("PUT", "/schedules/nightly", "{\"task\": \"noop\", \"every\": \"1h\"}",
                Map.of());
        assertEquals(409, put.statusCode(), put.body());
        // Pausing is allowed; it is undone here so that the restart test sees it run as configured.
        assertEquals(200, cp.post("/schedules/nightly/pause", "").statusCode());
        assertEquals(200, cp.post("/schedules/nightly/resume", "").statusCode());
    }

    @Test
    @Order(5)
    void badSchedulesAreRefusedWithTheReason() throws Exception {
        Map<String, Integer> bad = new java.util.LinkedHashMap<>();
        bad.put("{\"id\": \"x\", \"task\": \"noop\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"cron\": \"* * * * *\", \"every\": \"1m\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"cron\": \"61 * * * *\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"cron\": \"0 3 * * 1-5\", \"timezone\": \"Mars/Base\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"every\": \"1s\", \"timezone\": \"UTC\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"every\": \"100ms\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"every\": \"1000000h\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"no_such_task\", \"every\": \"1m\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"add\", \"args\": [1], \"every\": \"1m\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"every\": \"1m\", \"missed\": \"all\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"every\": \"1m\", \"overlap\": \"never\"}", 400);
        bad.put("{\"id\": \"x y\", \"task\": \"noop\", \"every\": \"1m\"}", 400);
        bad.put("{\"id\": \"" + "x".repeat(97) + "\", \"task\": \"noop\", \"every\": \"1m\"}", 400);
        bad.put("{\"id\": \"x\", \"task\": \"noop\", \"every\": \"1m\", \"countdown\": 5}", 400);
        bad.put("{\"task\": \"noop\", \"every\": \"1m\"}", 400);
        bad.put("[]", 400);
        bad.put("{\"id\": \"heartbeat\", \"task\": \"noop\", \"every\": \"1m\"}", 409);
        for (var e : bad.entrySet()) {
            HttpResponse<String> r = create(e.getKey());
            assertTrue(Daemon.problem(r, e.getValue(), e.getKey()).get("detail").asText().length() > 15, r.body());
        }
        assertEquals(404, cp.get("/schedules/x").statusCode(), "nothing was made");
        assertEquals(400, cp.request("PUT", "/schedules/other", "{\"id\": \"x\", \"task\": \"noop\", \"every\": "
                + "\"1m\"}", Map.of()).statusCode());
        assertEquals(404, cp.request("DELETE", "/schedules/x", null, Map.of()).statusCode());
        assertEquals(404, cp.post("/schedules/x/pause", "").statusCode());
        // PUT makes (201), then replaces (200); DELETE removes (204).
        assertEquals(201, cp.request("PUT", "/schedules/hourly", "{\"task\": \"noop\", \"every\": \"1h\"}", Map.of())
                .statusCode());
        HttpResponse<String> replaced = cp.request("PUT", "/schedules/hourly", "{\"task\": \"add\", \"args\": [2, 2], "
                + "\"cron\": \"0 * * * *\"}", Map.of());
        assertEquals(200, replaced.statusCode(), replaced.body());
        assertEquals("add", json(replaced).get("task").asText());
        assertEquals(204, cp.request("DELETE", "/schedules/hourly", null, Map.of()).statusCode());
        assertEquals(404, cp.get("/schedules/hourly").statusCode());
    }

    @Test
    @Order(6)
    void aRestartNeitherRepeatsNorRunsTheTicksItWasDownForUnlessToldToCatchUpOnce() throws Exception {
        assertEquals(201, create("{\"id\": \"catchup\", \"task\": \"noop\", \"every\": \"1s\", \"missed\": "
                + "\"catch-up-once\"}").statusCode());
        assertEquals(201, create("{\"id\": \"paused-one\", \"task\": \"noop\", \"every\": \"1s\"}").statusCode());
        assertEquals(200, cp.post("/schedules/paused-one/pause", "").statusCode());
        Thread.sleep(2200);
        Set<Instant> heartbeatBefore = ticks(runs("heartbeat", "noop"));
        cp.kill();
        Instant down = Instant.now();
        Thread.sleep(3000);
        cp = Daemon.controlPlane(env);
        Instant up = Instant.now();
        JsonNode afterView = json(cp.get("/schedules/heartbeat"));
        assertNotNull(afterView.get("lastRun"), "the last run is kept: " + afterView);
        assertTrue(json(cp.get("/schedules/paused-one")).get("paused").asBoolean(), "a pause outlives a restart");
        assertEquals("config", json(cp.get("/schedules/nightly")).get("source").asText());
        Thread.sleep(2500);
        Set<Instant> heartbeat = ticks(runs("heartbeat", "noop"));
        assertTrue(heartbeat.containsAll(heartbeatBefore), "what ran before is kept");
        for (Instant t : heartbeat) {
            assertFalse(t.isAfter(down.plusSeconds(1)) && t.isBefore(up.minusSeconds(1)),
                    "skip: no tick of the downtime runs: " + t + " (down " + down + ", up " + up + ")");
        }
        assertTrue(heartbeat.stream().anyMatch(t -> t.isAfter(up.minusSeconds(1))), "ticks go on after a restart");
        java.util.regex.Matcher said = java.util.regex.Pattern
                .compile("Schedule 'catchup' missed its ticks up to (\\S+) ")
                .matcher(cp.log());
        assertTrue(said.find(), "catch-up-once says it catches up");
        Instant caughtUp = Instant.parse(said.group(1));
        Set<Instant> catchUp = ticks(runs("catchup", "noop"));
        // The last tick the killed process submitted (one may have come between a read and the kill).
        Instant lastCatchUpBefore = runs("catchup", "noop").stream().filter(r -> Instant.parse(r.get("submittedAt")
                .asText()).isBefore(down)).map(r -> Instant.parse(r.get("schedule").get("tick").asText())).max(
                        Instant::compareTo)
                .orElseThrow();
        assertTrue(caughtUp.isAfter(down) && catchUp.contains(caughtUp), "it ran the latest missed tick " + caughtUp);
        assertEquals(List.of(), catchUp.stream().filter(t -> t.isAfter(lastCatchUpBefore) && t.isBefore(caughtUp))
                .toList(), "and no other missed one");
        assertTrue(runs("paused-one", "noop").isEmpty(), "a paused schedule stays paused");
    }

    @Test
    @Order(7)
    void theCliListsAddsPausesResumesAndDeletesSchedules() throws Exception {
        Map<String, String> cli = Map.of("FASTWORKER_URL", cp.url());
        Daemon.Result add = Daemon.run(cli, "schedule", "add", "--id", "cli-made", "--task-name", "add", "--args", "2",
                "3", "--cron", "30 4 * * 0", "--timezone", "America/New_York", "--overlap", "skip-if-running");
        assertEquals(0, add.exitCode(), add.all());
        assertTrue(add.stdout().contains("Schedule cli-made added; next run at "), add.stdout());
        JsonNode made = json(cp.get("/schedules/cli-made"));
        assertEquals("[2,3]", made.get("args").toString());
        assertEquals(java.time.DayOfWeek.SUNDAY, Instant.parse(made.get("nextFireAt").asText())
                .atZone(java.time.ZoneId.of("America/New_York")).getDayOfWeek(), "0 is Sunday");
        Daemon.Result again = Daemon.run(cli, "schedule", "add", "--id", "cli-made", "--task-name", "noop", "--every",
                "1m");
        assertEquals(1, again.exitCode(), again.all());
        Daemon.Result bad = Daemon.run(cli, "schedule", "add", "--id", "cli-bad", "--task-name", "noop", "--cron",
                "99 * * * *");
        assertEquals(2, bad.exitCode(), bad.all());
        assertTrue(bad.stderr().contains("cron"), bad.stderr());
        Daemon.Result list = Daemon.run(cli, "schedule", "list");
        assertEquals(0, list.exitCode(), list.all());
        assertTrue(list.stdout().contains("cli-made: add([2,3]) cron '30 4 * * 0' America/New_York [api]"),
                list.stdout());
        assertTrue(list.stdout().contains("nightly: add([1,2]) cron '0 3 * * 1-5' Europe/Berlin [config]"),
                list.stdout());
        assertEquals(0, Daemon.run(cli, "schedule", "pause", "--id", "cli-made").exitCode());
        assertTrue(json(cp.get("/schedules/cli-made")).get("paused").asBoolean());
        Daemon.Result resume = Daemon.run(cli, "schedule", "resume", "--id", "cli-made");
        assertEquals(0, resume.exitCode(), resume.all());
        assertTrue(resume.stdout().contains("resumed; next run at 20"), resume.stdout());
        assertEquals(0, Daemon.run(cli, "schedule", "delete", "--id", "cli-made").exitCode());
        Daemon.Result gone = Daemon.run(cli, "schedule", "delete", "--id", "cli-made");
        assertEquals(1, gone.exitCode(), gone.all());
        assertEquals(1, Daemon.run(cli, "schedule", "delete", "--id", "nightly").exitCode(), "configured: 409");
        Daemon.Result none = Daemon.run(cli, "schedule");
        assertEquals(2, none.exitCode(), none.all());
    }
}
