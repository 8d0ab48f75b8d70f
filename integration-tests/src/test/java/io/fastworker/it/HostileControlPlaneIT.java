package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real subworker facing a control plane that sends it tasks it cannot run as sent: it fails each such attempt for
 * good with the reason, grants its slot back and keeps the link (before, one task with {@code timeoutMs: 0} dropped
 * the link and every task running on it); and it keeps its results within the limit its control plane states.
 */
class HostileControlPlaneIT {

    static final Duration WAIT = Duration.ofSeconds(15);

    static ObjectNode task(String id, String name, String args, long timeoutMs) throws Exception {
        return (ObjectNode) RawControlPlane.JSON.readTree("{\"taskId\": \"" + id + "\", \"attempt\": 1, "
                + "\"maxAttempts\": 1, \"task\": \"" + name + "\", \"priority\": \"normal\", \"args\": " + args
                + ", \"kwargs\": {}, \"timeoutMs\": " + timeoutMs + "}");
    }

    @Test
    void badTaskFramesFailOnlyTheirAttemptAndTheLinkStays() throws Exception {
        try (RawControlPlane cp = new RawControlPlane();
                Daemon w = Daemon.subworker(cp.address(), "lied-to", 2, Map.of(), false)) {
            JsonNode join = cp.accept(Duration.ofSeconds(60));
            assertNotNull(join, "the subworker joins");
            cp.welcome(join, RawControlPlane.JSON.createObjectNode().put("maxResultSize", 4096));
            Map<String, ObjectNode> bad = Map.of(
                    "zero-timeout", task("zero-timeout", "add", "[1, 2]", 0),
                    "negative-timeout", task("negative-timeout", "add", "[1, 2]", -5),
                    "sub-ms-timeout", task("sub-ms-timeout", "add", "[1, 2]", 1),
                    "args-not-array", task("args-not-array", "add", "{\"x\": 1}", 1000),
                    "no-name", (ObjectNode) task("no-name", "add", "[1, 2]", 1000).without("task"),
                    "attempt-zero", task("attempt-zero", "add", "[1, 2]", 1000).put("attempt", 0));
            for (Map.Entry<String, ObjectNode> e : bad.entrySet()) {
                cp.task("lied-to", e.getValue());
                JsonNode result = cp.result(WAIT);
                assertNotNull(result, e.getKey() + ": the attempt is reported, not dropped with the link");
                assertEquals(e.getKey(), result.path("taskId").asText());
                assertEquals(false, result.path("ok").asBoolean(true), result.toString());
                assertEquals("bad_arguments", result.path("error").path("type").asText(), result.toString());
                assertTrue(result.path("error").path("nonRetryable").asBoolean(), result.toString());
                assertTrue(result.path("error").path("message").asText().contains("cannot run"), result.toString());
                assertEquals(1, result.path("credits").asInt(), e.getKey() + ": its slot is granted back");
            }
            cp.task("lied-to", (ObjectNode) RawControlPlane.JSON.readTree("{\"attempt\": 1, \"timeoutMs\": 0}"));
            JsonNode credit = cp.next(f -> f.path("body").path("credits").asInt() == 1, WAIT);
            assertNotNull(credit, "a frame naming no task is ignored, its slot granted back");

            cp.task("lied-to", task("good", "add", "[2, 3]", 1000));
            JsonNode good = cp.result(WAIT);
            assertEquals("good", good.path("taskId").asText(), good.toString());
            assertEquals(5, good.path("result").asInt(), "the same link still runs tasks: " + good);

            cp.task("lied-to", task("big", "repeat", "[\"x\", 5000]", 5000));
            JsonNode big = cp.result(WAIT);
            assertEquals("bad_result", big.path("error").path("type").asText(), big.toString());
            assertTrue(big.path("error").path("message").asText().contains("takes 5002 bytes as JSON, more than "
                    + "the 4096"), "the control plane's smaller result limit holds: " + big);

            assertEquals(1, cp.connections(), "the subworker never dropped its link");
            assertTrue(w.log().contains("Task(id=zero-timeout, attempt=1) cannot run as sent"), w.log());
        }
    }

    @Test
    void aSubworkerAnnouncesItsOptionsAndHoldsItsOwnTimeoutWhereTheControlPlaneDoesNot() throws Exception {
        try (RawControlPlane cp = new RawControlPlane();
                Daemon w = Daemon.subworkerOf(Daemon.packaged("custom-worker"), cp.address(), "words", Map.of(),
                        false)) {
            JsonNode join = cp.accept(Duration.ofSeconds(60));
            JsonNode options = join.path("body").path("options");
            assertEquals("{\"priority\":\"high\",\"maxRetries\":2,\"retryDelay\":\"PT0.1S\",\"timeout\":\"PT1S\"}",
                    options.path("slow_vowels").toString(), "the join announces what the @Task sets: " + options);
            assertEquals("PT10S", options.path("word_count").path("timeout").asText(), options.toString());
            // A control plane that does not say it applies them (an older one): the subworker holds its own timeout.
            cp.welcome(join, RawControlPlane.JSON.createObjectNode());
            cp.task("words", task("long", "slow_vowels", "[\"abc\", 3000]", 60_000));
            JsonNode held = cp.result(WAIT);
            assertEquals("timeout", held.path("error").path("type").asText(), held.toString());
            assertTrue(held.path("error").path("message").asText().contains("timeout of PT1S"), held.toString());
        }
        try (RawControlPlane cp = new RawControlPlane();
                Daemon w = Daemon.subworkerOf(Daemon.packaged("custom-worker"), cp.address(), "words", Map.of(),
                        false)) {
            JsonNode join = cp.accept(Duration.ofSeconds(60));
            // One that applies them: the frame's timeout (a submission's own, say) is the one that counts.
            cp.welcome(join, RawControlPlane.JSON.createObjectNode().put("taskOptions", true));
            cp.task("words", task("long", "slow_vowels", "[\"abc\", 1500]", 60_000));
            JsonNode ran = cp.result(WAIT);
            assertEquals(1, ran.path("result").asInt(), ran.toString());
        }
    }
}
