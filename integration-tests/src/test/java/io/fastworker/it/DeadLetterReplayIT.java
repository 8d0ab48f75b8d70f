package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /dead-letters/retry}: 10,001 dead letters replayed through the API by two calls racing each other, then
 * the rest; at most 10,000 per call, each failure once, the filters honoured, every replay recorded (a SIGKILL right
 * after the answers keeps them), and the replays really run again on a subworker.
 */
class DeadLetterReplayIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int FAILURES = 10_001;

    @Test
    void tenThousandAndOneDeadLettersAreReplayedAtMostTenThousandACallEachFailureOnceAndKeptThroughASigkill(
            @TempDir Path store) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("FASTWORKER_STORE_PATH", store.toString(),
                "FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false", "FASTWORKER_DEAD_LETTERS_MAX", "20000"));
        Daemon cp = Daemon.controlPlane(env);
        try {
            try (Daemon w = Daemon.subworker(cp.linkAddress(), "replay-w1", 8, Map.of(), true)) {
                for (int sent = 0; sent < FAILURES; sent += 1000) {
                    int n = Math.min(1000, FAILURES - sent);
                    HttpResponse<String> r = cp.post("/tasks/batch", "[" + String.join(",", java.util.Collections
                            .nCopies(n, "{\"task\": \"fail\", \"args\": [\"planted\"], \"maxRetries\": 0}")) + "]");
                    assertEquals(202, r.statusCode(), r.body());
                }
                assertEquals(202, cp.post("/tasks/batch", "[" + String.join(",", java.util.Collections.nCopies(3,
                        "{\"task\": \"repeat\", \"args\": [\"x\", -1], \"maxRetries\": 0}")) + "]").statusCode());
                awaitDeadLetters(cp, "fail", FAILURES);
                awaitDeadLetters(cp, "repeat", 3);
            }
            // No subworker from here on: what is replayed stays queued.

            Daemon.problem(cp.post("/dead-letters/retry?limit=10001", ""), 400, "a limit over 10,000");
            Daemon.problem(cp.post("/dead-letters/retry?since=yesterday", ""), 400, "a time that is no time");

            Daemon running = cp;
            CompletableFuture<JsonNode> a = CompletableFuture.supplyAsync(() -> replay(running, "task=fail"));
            CompletableFuture<JsonNode> b = CompletableFuture.supplyAsync(() -> replay(running, "task=fail"));
            Set<String> first = ids(a.join());
            Set<String> second = ids(b.join());
            assertTrue(first.size() <= 10_000 && second.size() <= 10_000, "at most 10,000 a call");
            Set<String> both = new HashSet<>(first);
            both.retainAll(second);
            assertEquals(Set.of(), both, "no failure replayed by both calls");
            Set<String> replayed = new HashSet<>(first);
            replayed.addAll(second);
            assertTrue(replayed.size() >= 10_000, "the two calls replayed " + replayed.size());
            JsonNode rest = replay(cp, "task=fail");
            replayed.addAll(ids(rest));
            assertEquals(FAILURES, replayed.size(), "every failure replayed once: " + rest);
            assertEquals(0, rest.get("remaining").asInt(), rest.toString());
            JsonNode none = replay(cp, "task=fail");
            assertEquals(0, none.get("count").asInt(), "nothing left to replay: " + none);
            assertEquals(3, total(cp, "repeat"), "the filter kept the other task's dead letters");
            assertEquals(0, total(cp, "fail"));

            String one = replayed.iterator().next();
            JsonNode task = JSON.readTree(cp.get("/tasks/" + one).body());
            assertEquals("queued", task.get("status").asText(), task.toString());

            // Every replay was recorded before its answer: a SIGKILL now loses none of them.
            cp.kill();
            cp = Daemon.controlPlane(env);
            assertEquals(0, total(cp, "fail"), "the replays survive the restart");
            assertEquals(3, total(cp, "repeat"));
            task = JSON.readTree(cp.get("/tasks/" + one).body());
            assertEquals("queued", task.get("status").asText(), task.toString());

            // ... and they run again: each fails once more and is a dead letter again, of its second attempt.
            try (Daemon w = Daemon.subworker(cp.linkAddress(), "replay-w2", 8, Map.of(), true)) {
                awaitDeadLetters(cp, "fail", FAILURES);
            }
            task = JSON.readTree(cp.get("/tasks/" + one).body());
            assertEquals("failure", task.get("status").asText(), task.toString());
            assertEquals(2, task.get("attempts").asInt(), task.toString());
            // a dead letter keeps its arguments for those allowed to see them (here: auth off, loopback)
            JsonNode shown = JSON.readTree(cp.get("/tasks/" + one + "?include=args").body());
            assertEquals("planted", shown.get("arguments").get("args").get(0).asText(), shown.toString());
        } finally {
            cp.kill();
        }
    }

    private static JsonNode replay(Daemon cp, String query) {
        try {
            HttpResponse<String> r = cp.post("/dead-letters/retry?" + query, "");
            assertEquals(202, r.statusCode(), r.body());
            JsonNode body = JSON.readTree(r.body());
            assertEquals(body.get("count").asInt(), body.get("ids").size(), r.body());
            return body;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> ids(JsonNode answer) {
        Set<String> ids = new HashSet<>();
        answer.get("ids").forEach(id -> ids.add(id.asText()));
        return ids;
    }

    private static int total(Daemon cp, String task) throws Exception {
        return JSON.readTree(cp.get("/dead-letters?limit=1&task=" + task).body()).get("total").asInt();
    }

    private static void awaitDeadLetters(Daemon cp, String task, int n) throws Exception {
        Daemon.await(() -> total(cp, task), t -> t == n, Duration.ofSeconds(120), n + " dead letters of " + task);
    }
}
