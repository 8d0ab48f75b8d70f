package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A worker a team builds in its own repository (examples/custom-worker: one dependency on quarkus-fastworker, a
 * word_count and a slow_vowels task) next to the stock control plane, which does not have them but declares
 * word_count; the options of their {@code @Task}s apply there (before, they were silently ignored).
 */
class CustomWorkerIT {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode registryEntry(Daemon cp, String name) throws Exception {
        for (JsonNode t : JSON.readTree(cp.get("/registry").body())) {
            if (t.get("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError(name + " is not in " + cp.get("/registry").body());
    }

    @Test
    void aDeclaredTaskWaitsForTheCustomWorkerAndRunsOnlyThere() throws Exception {
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_TASKS_DECLARED", "word_count",
                "FASTWORKER_TASKS_UNPLACED_WARNING", "PT1S"))) {
            HttpResponse<String> early = cp.post("/tasks", "{\"task\": \"word_count\", \"args\": [\"one two three\"]}");
            assertEquals(202, early.statusCode(), "a declared task is accepted with no worker: " + early.body());
            String earlyId = JSON.readTree(early.body()).get("id").asText();
            JsonNode declared = registryEntry(cp, "word_count");
            assertTrue(declared.get("declaredOnly").asBoolean(), declared.toString());
            assertFalse(declared.get("local").asBoolean(), declared.toString());
            assertTrue(declared.get("parameters").isNull(), declared.toString());

            HttpResponse<String> typo = cp.post("/tasks", "{\"task\": \"word_cnt\"}");
            assertEquals(400, typo.statusCode(), typo.body());
            assertTrue(typo.body().contains("word_count"), "the known names include the declared one: " + typo.body());

            long deadline = System.currentTimeMillis() + 20_000;
            while (!cp.log().contains("'word_count' tasks have waited")) {
                assertTrue(System.currentTimeMillis() < deadline, "no warning about the waiting task:\n" + cp.log());
                Thread.sleep(100);
            }
            assertEquals("queued", JSON.readTree(cp.get("/tasks/" + earlyId).body()).get("status").asText(),
                    "it never runs on the control plane, which does not have it");
            assertEquals(1, cp.log().split("'word_count' tasks have waited", -1).length - 1, "warned once");
            JsonNode waiting = JSON.readTree(cp.get("/overview").body()).get("waiting");
            assertEquals("[{\"task\":\"word_count\",\"queued\":1,\"reason\":\"no-worker\"}]", waiting.toString(),
                    "the overview says why it waits");

            try (Daemon custom = Daemon.subworkerOf(Daemon.packaged("custom-worker"), cp.linkAddress(), "custom-1",
                    Map.of())) {
                JsonNode first = JSON.readTree(cp.get("/tasks/" + earlyId + "?wait=30s").body());
                assertEquals("success", first.get("status").asText(), first.toString());
                assertEquals(3, first.get("result").asInt());
                assertEquals("custom-1", first.get("worker").asText());
                assertEquals(0, JSON.readTree(cp.get("/overview").body()).get("waiting").size(), "nothing waits now");

                HttpResponse<String> now = cp.post("/tasks?wait=20s",
                        "{\"task\": \"word_count\", \"args\": [\"  The quick\\tbrown\\nfox  \"]}");
                assertEquals(200, now.statusCode(), now.body());
                assertEquals(4, JSON.readTree(now.body()).get("result").asInt());

                JsonNode offered = registryEntry(cp, "word_count");
                assertEquals(List.of("custom-1"), JSON.convertValue(offered.get("subworkers"), List.class));
                assertEquals(List.of("text"), JSON.convertValue(offered.get("parameters"), List.class));
                assertFalse(offered.get("declaredOnly").asBoolean(), offered.toString());
                // Its @Task(maxConcurrency = 4) is enforced by the control plane, which does not have the task.
                JsonNode limit = JSON.readTree(cp.get("/limits/word_count").body());
                assertEquals("annotation", limit.get("source").asText(), limit.toString());
                assertEquals(4, limit.get("maxConcurrency").asInt());

                HttpResponse<String> wrongArgs = cp.post("/tasks", "{\"task\": \"word_count\", \"args\": [1, 2]}");
                assertEquals(400, wrongArgs.statusCode(), "checked against the announced parameters");

                JsonNode refused = JSON.readTree(cp.post("/tasks?wait=20s",
                        "{\"task\": \"word_count\", \"args\": [null], \"maxRetries\": 2}").body());
                assertEquals("failure", refused.get("status").asText(), refused.toString());
                assertEquals(1, refused.get("attempts").asInt(), "a final failure is not retried");
                assertTrue(refused.get("error").get("nonRetryable").asBoolean(), refused.toString());

                // The options of its @Task apply although only the subworker has the task: announced at join.
                JsonNode slow = registryEntry(cp, "slow_vowels");
                assertEquals("high", slow.get("priority").asText(), slow.toString());
                assertEquals(2, slow.get("maxRetries").asInt(), slow.toString());
                assertEquals("PT0.1S", slow.get("retryDelay").asText(), slow.toString());
                assertEquals("PT1S", slow.get("timeout").asText(), slow.toString());
                assertEquals("PT10S", registryEntry(cp, "word_count").get("timeout").asText());
                JsonNode overran = JSON.readTree(cp.post("/tasks?wait=30s",
                        "{\"task\": \"slow_vowels\", \"args\": [\"abc\", 3000]}").body());
                assertEquals("failure", overran.get("status").asText(), overran.toString());
                assertEquals("high", overran.get("priority").asText(), overran.toString());
                assertEquals(3, overran.get("attempts").asInt(), "1 + maxRetries 2: " + overran);
                assertEquals(3, overran.get("maxAttempts").asInt(), overran.toString());
                assertEquals("timeout", overran.get("error").get("type").asText(), overran.toString());
                assertTrue(overran.get("error").get("message").asText().contains("timeout of PT1S"),
                        overran.toString());
                JsonNode quick = JSON.readTree(cp.post("/tasks?wait=30s",
                        "{\"task\": \"slow_vowels\", \"args\": [\"education\", 10]}").body());
                assertEquals(5, quick.get("result").asInt(), quick.toString());
                // A submission's own options still beat the announced ones.
                JsonNode longer = JSON.readTree(cp.post("/tasks?wait=30s",
                        "{\"task\": \"slow_vowels\", \"args\": [\"abc\", 1500], \"timeout\": \"5s\"}").body());
                assertEquals("success", longer.get("status").asText(), longer.toString());

                JsonNode add = JSON
                        .readTree(cp.post("/tasks?wait=20s", "{\"task\": \"add\", \"args\": [1, 2]}").body());
                assertEquals("control-plane", add.get("worker").asText(), "stock tasks still run on the control plane");
            }
        }
    }
}
