package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Subworkers find the control plane on their own: started before it, and across its restart. */
class ReconnectIT {

    static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode runOn(Daemon cp, String expectedWorker) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            if (cp.get("/workers").body().contains("\"" + expectedWorker + "\"")) {
                var r = cp.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [40, 2]}");
                assertEquals(200, r.statusCode(), r.body());
                return JSON.readTree(r.body());
            }
            Thread.sleep(100);
        }
        throw new AssertionError(expectedWorker + " never joined: " + cp.get("/workers").body());
    }

    @Test
    void subworkerStartedFirstJoinsAndRejoinsAfterAControlPlaneRestart() throws Exception {
        int linkPort = Daemon.freePort();
        Map<String, String> cpEnv = Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false");
        // Kubernetes style: everything through environment variables.
        Daemon early = Daemon.subworker("tcp://127.0.0.1:" + linkPort, "early", 2,
                Map.of("FASTWORKER_SUBWORKER_RECONNECT_MAX", "PT0.5S"), false);
        try {
            Thread.sleep(1500); // it is retrying by now
            try (Daemon cp = Daemon.controlPlaneOnLink(cpEnv, linkPort)) {
                JsonNode t = runOn(cp, "early");
                assertEquals(42, t.get("result").asInt());
                assertEquals("early", t.get("worker").asText());
                cp.terminate(Duration.ofSeconds(30));
            }
            try (Daemon restarted = Daemon.controlPlaneOnLink(cpEnv, linkPort)) {
                JsonNode t = runOn(restarted, "early");
                assertEquals("early", t.get("worker").asText());
            }
            assertTrue(early.alive(), "the subworker outlived both control planes");
            String log = early.log();
            assertTrue(log.split("joined control plane", -1).length - 1 >= 2, log);
        } finally {
            early.close();
        }
    }

    @Test
    void aPythonSubworkerJoinsAgainAfterAControlPlaneRestartWithItsOptions() throws Exception {
        int linkPort = Daemon.freePort();
        Map<String, String> cpEnv = Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false");
        java.nio.file.Path out = java.nio.file.Files.createTempFile("python-subworker-", ".log");
        Process py = new ProcessBuilder("python3", Daemon.PYTHON_SUBWORKER, "--address", "tcp://127.0.0.1:" + linkPort,
                "--worker-id", "py-again").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            for (int run = 0; run < 2; run++) {
                try (Daemon cp = Daemon.controlPlaneOnLink(cpEnv, linkPort)) {
                    JsonNode t = Daemon.await(() -> {
                        var r = cp.post("/tasks?wait=10s", "{\"task\": \"py_reverse\", \"args\": [\"abc\"]}");
                        return r.statusCode() == 200 ? JSON.readTree(r.body()) : null; // 400 until it has joined
                    }, r -> r != null, Duration.ofSeconds(30), "the Python subworker runs py_reverse");
                    assertEquals("cba", t.get("result").asText(), t.toString());
                    assertEquals("py-again", t.get("worker").asText());
                    assertEquals(3, t.get("maxAttempts").asInt(), "its announced maxRetries 2 apply: " + t);
                    if (run == 0) {
                        cp.kill(); // no goodbye: the link just drops
                    }
                }
            }
            assertTrue(py.isAlive(), "the Python subworker outlived the control plane's restart");
            String log = java.nio.file.Files.readString(out);
            assertTrue(log.split("joined as py-again", -1).length - 1 >= 2, log);
            assertTrue(log.contains("joining again in"), log);
        } finally {
            py.destroy();
            py.waitFor();
            java.nio.file.Files.deleteIfExists(out);
        }
    }

    @Test
    void subworkerConfiguredOnlyByEnvironmentWithATokenJoins() throws Exception {
        int linkPort = Daemon.freePort();
        try (Daemon cp = Daemon.controlPlaneOnLink(Map.of("FASTWORKER_LINK_TOKEN", "s3cret",
                "FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"), linkPort)) {
            Daemon wrong = Daemon.subworker("tcp://127.0.0.1:" + linkPort, "intruder", 1,
                    Map.of("FASTWORKER_LINK_TOKEN", "guess"), false);
            Daemon right = Daemon.subworkerFromEnvironment(Map.of("FASTWORKER_LINK_TOKEN", "s3cret",
                    "FASTWORKER_CONTROL_PLANE_ADDRESS", "tcp://127.0.0.1:" + linkPort,
                    "FASTWORKER_WORKER_ID", "envonly", "FASTWORKER_CONCURRENCY", "1"), true);
            try {
                assertEquals("envonly", runOn(cp, "envonly").get("worker").asText());
                assertTrue(!cp.get("/workers").body().contains("intruder"), cp.get("/workers").body());
                // The intruder starts in parallel and may dial after the right one joined.
                Daemon.await(cp::log, l -> l.contains("join refused (401)"), Duration.ofSeconds(20),
                        "the intruder refused");
                assertTrue(cp.log().contains("join refused (401): unauthorized: wrong or missing token"), cp.log());
                assertTrue(!cp.log().contains("s3cret") && !right.log().contains("s3cret"), "no secret in logs");
            } finally {
                wrong.close();
                right.close();
            }
        }
    }

    @Test
    void controlPlaneRunsWhatNoConnectedSubworkerCan() throws Exception {
        try (Daemon cp = Daemon.controlPlane(Map.of())) {
            Process py = new ProcessBuilder("python3", Daemon.PYTHON_SUBWORKER, "--address",
                    cp.linkAddress(), "--worker-id", "py-only").redirectErrorStream(true).start();
            try {
                JsonNode reversed = null;
                long deadline = System.currentTimeMillis() + 30_000;
                while (reversed == null && System.currentTimeMillis() < deadline) {
                    var r = cp.post("/tasks?wait=10s", "{\"task\": \"py_reverse\", \"args\": [\"abc\"]}");
                    if (r.statusCode() == 200) {
                        reversed = JSON.readTree(r.body());
                    } else {
                        Thread.sleep(100); // 400 unknown task until the Python subworker has joined
                    }
                }
                assertEquals("cba", reversed.get("result").asText(), String.valueOf(reversed));
                assertEquals("py-only", reversed.get("worker").asText());
                var r = cp.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [1, 2]}");
                assertEquals(200, r.statusCode(), r.body());
                assertEquals("control-plane", JSON.readTree(r.body()).get("worker").asText());
            } finally {
                py.destroy();
            }
        }
    }
}
