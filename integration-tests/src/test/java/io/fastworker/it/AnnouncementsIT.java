package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What subworkers announce is bounded and checked: task names by count (per join and in all), by format, and
 * forgotten (with their meters) once no subworker has offered them for a while; options must be in range. Before,
 * names were kept forever, each registering meters on the event loop, until the control plane ran out of memory.
 */
class AnnouncementsIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Daemon cp;

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of("FASTWORKER_TASKS_MAX_ANNOUNCED", "20",
                "FASTWORKER_TASKS_FORGET_ANNOUNCED_AFTER", "PT2S", "FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY",
                "false"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
    }

    /** Joins as {@code id} announcing {@code tasks} with {@code extra} join fields; returns the reply. */
    static JsonNode join(RawLinkClient c, String id, List<String> tasks, String extra) throws Exception {
        c.frame("{\"type\": \"register\", \"address\": \"fastworker.worker." + id + "\"}");
        c.send("fastworker.link.join\", \"replyAddress\": \"r1", "{\"protocol\": 1, \"workerId\": \"" + id
                + "\", \"tasks\": " + JSON.writeValueAsString(tasks) + ", \"concurrency\": 1" + extra + "}");
        return c.next(Duration.ofSeconds(10));
    }

    static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    static void refused(List<String> tasks, String extra, String expected) throws Exception {
        try (RawLinkClient c = new RawLinkClient(cp.linkPort)) {
            JsonNode reply = join(c, "refused", tasks, extra);
            assertNotNull(reply, extra);
            assertEquals(400, reply.path("failureCode").asInt(), extra + ": " + reply);
            assertTrue(reply.path("message").asText().contains(expected), reply.toString());
            assertTrue(c.awaitClosed(Duration.ofSeconds(5)));
        }
    }

    @Test
    void optionsOutOfRangeOrOfTheWrongShapeRefuseTheJoin() throws Exception {
        List<String> one = List.of("nothing");
        refused(one, ", \"options\": {\"nothing\": {\"timeout\": 0.001}}", "'timeout' must be at least 10 ms");
        refused(one, ", \"options\": {\"nothing\": {\"timeout\": \"1000000h\"}}", "'timeout' must be at most PT168H");
        refused(one, ", \"options\": {\"nothing\": {\"maxRetries\": 5000}}", "'maxRetries' must be a whole number");
        refused(one, ", \"options\": {\"nothing\": {\"priority\": \"urgent\"}}", "unknown priority 'urgent'");
        refused(one, ", \"options\": {\"nothing\": {\"colour\": \"red\"}}", "unknown option 'colour'");
        refused(one, ", \"options\": {\"other\": {\"timeout\": \"1s\"}}", "which this subworker does not announce");
        refused(one, ", \"options\": {\"nothing\": 5}", "must be an object");
        refused(one, ", \"options\": [1]", "options, when given, must map task names");
    }

    @Test
    void namesAreBoundedPerJoinAndInAllCheckedAndForgottenAfterTheirSubworkersLeft() throws Exception {
        refused(names("many-", 21), "", "at most 20 tasks (fastworker.tasks.max-announced), got 21");
        refused(List.of("has space"), "", "task names are 1 to 128 characters");
        refused(List.of("x".repeat(129)), "", "task names are 1 to 128 characters");
        refused(List.of("<script>"), "", "task names are 1 to 128 characters");

        try (RawLinkClient first = new RawLinkClient(cp.linkPort)) {
            assertTrue(join(first, "first", names("first-", 15), "").path("body").path("ok").asBoolean());
            Daemon.await(() -> cp.get("/q/metrics").body(), m -> m.contains("task=\"first-14\""),
                    Duration.ofSeconds(10), "meters of announced names");
            refused(names("second-", 15), "", "keeps at most 20 announced task names (fastworker.tasks."
                    + "max-announced); it has 15 and this join would add 15");
            assertEquals(202, cp.post("/tasks", "{\"task\": \"first-1\"}").statusCode(), "a queued first-1 task");
        }
        // first left: its names stay for forget-announced-after (2 s), first-1 longer, since a task of it is queued.
        assertEquals(202, cp.post("/tasks", "{\"task\": \"first-3\"}").statusCode(), "still accepted right after");
        String registry = Daemon.await(() -> cp.get("/registry").body(), r -> !r.contains("\"first-2\""),
                Duration.ofSeconds(15), "first-2 forgotten");
        assertTrue(registry.contains("\"first-1\""), "a name with a queued task stays: " + registry);
        JsonNode unknown = Daemon.problem(cp.post("/tasks", "{\"task\": \"first-2\"}"), 400, "a forgotten name");
        assertEquals("urn:fastworker:problem:unknown-task", unknown.get("type").asText());
        String metrics = cp.get("/q/metrics").body();
        assertFalse(metrics.contains("task=\"first-2\""), "its meters are gone too");
        try (RawLinkClient second = new RawLinkClient(cp.linkPort)) {
            assertTrue(join(second, "second", names("second-", 15), "").path("body").path("ok").asBoolean(),
                    "room again once first's names are forgotten");
        }
        assertFalse(cp.log().contains("has been blocked"), "no event loop was blocked:\n" + cp.log());
    }
}
