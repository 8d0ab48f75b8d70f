package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A control plane and subworkers as separate processes of the packaged binary, over the real TCP link. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SubworkerIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Daemon cp;
    static final Map<String, Daemon> workers = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
        workers.put("w1", Daemon.subworker(cp.linkAddress(), "w1", 4, Map.of(), true));
        workers.put("w2", Daemon.subworker(cp.linkAddress(), "w2", 4, Map.of(), true));
        awaitWorkers(Set.of("w1", "w2"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (Daemon w : workers.values()) {
            w.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    static void awaitWorkers(Set<String> ids) throws Exception {
        Daemon.await(() -> {
            Set<String> joined = new java.util.HashSet<>();
            for (JsonNode w : JSON.readTree(cp.get("/workers").body())) {
                if (w.get("kind").asText().equals("subworker")) {
                    joined.add(w.get("id").asText());
                }
            }
            return joined;
        }, joined -> joined.containsAll(ids), Duration.ofSeconds(30), "subworkers " + ids + " joined");
    }

    /** Waits until subworker {@code id} runs tasks (it has some in flight, or has completed some). */
    static void awaitRunningOn(String id) throws Exception {
        Daemon.await(() -> {
            for (JsonNode w : JSON.readTree(cp.get("/workers").body())) {
                if (w.get("id").asText().equals(id)) {
                    return w.get("inFlight").asInt() + w.get("completed").asLong();
                }
            }
            return 0L;
        }, n -> n > 0, Duration.ofSeconds(30), "subworker " + id + " running tasks");
    }

    static List<String> batch(String entry, int n) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int done = 0; done < n; done += 500) {
            StringBuilder body = new StringBuilder("[");
            for (int i = done; i < Math.min(n, done + 500); i++) {
                body.append(i == done ? "" : ",").append(entry.replace("$i", String.valueOf(i)));
            }
            var r = cp.post("/tasks/batch", body.append("]").toString());
            assertEquals(202, r.statusCode(), r.body());
            JSON.readTree(r.body()).get("ids").forEach(id -> ids.add(id.asText()));
        }
        return ids;
    }

    static JsonNode await(String id) throws Exception {
        var r = cp.get("/tasks/" + id + "?wait=60s");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    @Order(1)
    void twoThousandTasksAreAllCorrectAndBothSubworkersRunAShare() throws Exception {
        List<String> ids = batch("{\"task\": \"add\", \"args\": [$i, $i]}", 2000);
        Map<String, Integer> byWorker = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            JsonNode t = await(ids.get(i));
            assertEquals("success", t.get("status").asText(), t.toString());
            assertEquals(2L * i, t.get("result").asLong(), t.toString());
            byWorker.merge(t.get("worker").asText(), 1, Integer::sum);
        }
        System.out.println("2000 tasks by worker: " + byWorker);
        assertEquals(Set.of("w1", "w2"), byWorker.keySet());
        JsonNode controlPlane = JSON.readTree(cp.get("/workers").body()).get(0);
        assertEquals(false, controlPlane.get("active").asBoolean(), "it runs nothing itself: " + controlPlane);
        assertTrue(byWorker.values().stream().allMatch(n -> n > 100), byWorker.toString());
    }

    @Test
    @Order(2)
    void killingASubworkerLosesNoTaskAndRequeuesItsRunningOnes() throws Exception {
        List<String> ids = batch("{\"task\": \"sleep\", \"args\": [50]}", 500);
        awaitRunningOn("w1");
        Instant killedAt = Instant.now();
        workers.remove("w1").kill();
        int redelivered = 0;
        Instant firstRequeue = null;
        for (String id : ids) {
            JsonNode t = await(id);
            assertEquals("success", t.get("status").asText(), t.toString());
            JsonNode history = t.get("history");
            assertEquals(t.get("attempts").asInt(), history.size(), t.toString());
            for (int i = 0; i < history.size() - 1; i++) {
                assertEquals("worker_lost", history.get(i).get("error").get("type").asText(), t.toString());
            }
            assertTrue(history.get(history.size() - 1).get("error") == null, "one final result only: " + t);
            if (history.size() >= 2) {
                redelivered++;
                assertTrue(t.get("attempts").asInt() >= 2);
                Instant requeued = Instant.parse(history.get(0).get("finishedAt").asText());
                firstRequeue = firstRequeue == null || requeued.isBefore(firstRequeue) ? requeued : firstRequeue;
            }
        }
        assertTrue(redelivered >= 1, "the killed subworker was running tasks");
        System.out.printf("kill -9 of w1: %d in-flight tasks re-queued %d ms after the kill; all 500 succeeded%n",
                redelivered, Duration.between(killedAt, firstRequeue).toMillis());
        workers.put("w3", Daemon.subworker(cp.linkAddress(), "w3", 4, Map.of(), true));
        awaitWorkers(Set.of("w2", "w3"));
    }

    @Test
    @Order(3)
    void aDrainingSubworkerFailsNoTask() throws Exception {
        List<String> ids = batch("{\"task\": \"sleep\", \"args\": [100]}", 200);
        awaitRunningOn("w2");
        int status = workers.remove("w2").terminate(Duration.ofSeconds(40));
        assertTrue(status == 0 || status == 143, "SIGTERM exit status " + status);
        for (String id : ids) {
            JsonNode t = await(id);
            assertEquals("success", t.get("status").asText(), t.toString());
        }
        workers.put("w4", Daemon.subworker(cp.linkAddress(), "w4", 4, Map.of(), true));
        awaitWorkers(Set.of("w3", "w4"));
    }

    private static String sendRaw(byte[] bytes) throws Exception {
        try (Socket s = new Socket("127.0.0.1", cp.linkPort)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] all = in.readAllBytes(); // returns once the control plane closes the connection
            return new String(all, StandardCharsets.UTF_8);
        }
    }

    private static byte[] frame(String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    @Test
    @Order(4)
    void badFramesCloseOnlyThatConnection() throws Exception {
        byte[] garbage = new byte[512];
        new java.util.Random(7).nextBytes(garbage);
        garbage[0] = 0; // a plausible length so the JSON check is what fails
        garbage[1] = 0;
        garbage[2] = 1;
        garbage[3] = 0;
        assertTrue(sendRaw(garbage).contains("not a JSON object"));
        assertTrue(sendRaw(ByteBuffer.allocate(8).putInt(2 * 1024 * 1024).putInt(0).array())
                .contains("exceeds the limit"));
        assertTrue(sendRaw(frame("{\"type\": \"nonsense\", \"address\": \"fastworker.link.join\"}"))
                .contains("unknown frame type"));
        assertTrue(sendRaw(frame("{\"type\": \"send\", \"address\": \"other.address\", \"body\": {}}"))
                .contains("is not part of the link protocol"));
        assertTrue(sendRaw(frame("{\"type\": \"send\", \"address\": \"fastworker.link.result\", \"body\": {}}"))
                .contains("join first"));
        // Everyone else is still served.
        var r = cp.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [2, 3]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode t = JSON.readTree(r.body());
        assertEquals(5, t.get("result").asInt());
        assertTrue(Set.of("w3", "w4").contains(t.get("worker").asText()), t.toString());
    }

    @Test
    @Order(5)
    void aPythonSubworkerJoinsAndRunsItsTask() throws Exception {
        Process py = new ProcessBuilder("python3", Daemon.PYTHON_SUBWORKER, "--address", cp.linkAddress(),
                "--worker-id", "py1").redirectErrorStream(true).start();
        try {
            awaitWorkers(Set.of("py1"));
            var r = cp.post("/tasks?wait=10s", "{\"task\": \"py_reverse\", \"args\": [\"FastWorker\"]}");
            assertEquals(200, r.statusCode(), r.body());
            JsonNode t = JSON.readTree(r.body());
            assertEquals("success", t.get("status").asText(), t.toString());
            assertEquals("rekroWtsaF", t.get("result").asText());
            assertEquals("py1", t.get("worker").asText());
        } finally {
            py.destroy();
        }
    }

    /** The protocol page's minimal subworker, as written there but for the port. */
    @Test
    @Order(5)
    void theProtocolPagesMinimalSubworkerWorksAsWritten() throws Exception {
        String page = Files.readString(QuickStartIT.ROOT.resolve("docs/PROTOCOL.md"));
        String section = page.substring(page.indexOf("## A minimal subworker"));
        int start = section.indexOf("```python\n") + "```python\n".length();
        String script = section.substring(start, section.indexOf("```\n", start))
                .replace("(\"127.0.0.1\", 5555)", "(\"127.0.0.1\", " + cp.linkPort + ")");
        Process py = new ProcessBuilder("python3", "-c", script).redirectErrorStream(true).start();
        try {
            awaitWorkers(Set.of("upper-1"));
            for (String text : List.of("minimal", "again")) {
                var r = cp.post("/tasks?wait=10s", "{\"task\": \"upper\", \"args\": [\"" + text + "\"]}");
                JsonNode t = JSON.readTree(r.body());
                assertEquals(text.toUpperCase(), t.get("result").asText(), r.body());
                assertEquals("upper-1", t.get("worker").asText());
            }
            Thread.sleep(3500); // past the heartbeat deadline (3 x 1 s): its heartbeats keep it
            assertTrue(cp.get("/workers").body().contains("\"upper-1\""), cp.get("/workers").body());
            assertEquals(400, cp.post("/tasks", "{\"task\": \"upper\", \"args\": []}").statusCode(),
                    "its parameters are announced");
        } finally {
            py.destroy();
        }
    }

    @Test
    @Order(6)
    void aFrozenSubworkerIsLostWhenItsHeartbeatsStop() throws Exception {
        Daemon frozen = Daemon.subworker(cp.linkAddress(), "frozen", 2, Map.of(), true);
        workers.put("frozen", frozen);
        awaitWorkers(Set.of("frozen"));
        List<String> ids = batch("{\"task\": \"sleep\", \"args\": [300]}", 60);
        Thread.sleep(700);
        signal(frozen, "STOP");
        Instant stoppedAt = Instant.now();
        try {
            int lost = 0;
            for (String id : ids) {
                JsonNode t = await(id);
                assertEquals("success", t.get("status").asText(), t.toString());
                for (JsonNode attempt : t.get("history")) {
                    if (attempt.has("error") && attempt.get("error").get("message").asText().contains("no heartbeat")) {
                        lost++;
                        long detected = Duration.between(stoppedAt, Instant.parse(attempt.get("finishedAt").asText()))
                                .toMillis();
                        assertTrue(detected >= 2000 && detected < 10_000, "detected after " + detected + " ms");
                    }
                }
            }
            assertTrue(lost >= 1, "the frozen subworker held tasks");
            System.out.printf("SIGSTOP of a subworker: %d tasks re-queued after its heartbeats stopped%n", lost);
        } finally {
            signal(frozen, "CONT");
        }
    }

    private static void signal(Daemon d, String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(d.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }
}
