package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Safe by default, as Redis's protected mode is: without a link token or mutual TLS the link takes subworkers on the
 * control plane's own host only, and without API authentication the API answers its own host only; each says so at
 * start, naming the setting that opens it, and opening it without a secret takes an explicit setting that logs a
 * WARN. "Another host" is a network namespace joined by a veth pair (before, a stranger there joined as a
 * subworker, received real tasks with their arguments and reported forged results).
 */
class OpenToNetworkIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static OtherHost other;

    @BeforeAll
    static void makeAnotherHost() throws Exception {
        other = OtherHost.create();
    }

    @AfterAll
    static void removeIt() {
        if (other != null) {
            other.close();
        }
    }

    static JsonNode workers(Daemon cp) throws Exception {
        return JSON.readTree(cp.get("/workers").body());
    }

    static boolean joined(Daemon cp, String id) throws Exception {
        for (JsonNode w : workers(cp)) {
            if (w.path("id").asText().equals(id)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void byDefaultTheLinkAndTheApiAnswerThisHostOnly() throws Exception {
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
                Daemon stranger = Daemon.subworkerOn(other, "tcp://" + other.hostAddress + ":" + cp.linkPort,
                        "stranger", Map.of())) {
            String log = cp.log();
            assertTrue(log.contains("so it accepts subworkers on this host only (loopback). Set "
                    + "fastworker.link.token"), log);
            assertTrue(log.contains("answers clients on this host only (loopback). Set fastworker.api.auth.keys-file"),
                    log);
            Daemon.await(stranger::log, l -> l.contains("it accepts subworkers on the control plane's own host only"),
                    Duration.ofSeconds(60), "the stranger is told why it is refused");
            assertFalse(joined(cp, "stranger"), workers(cp).toString());
            assertTrue(cp.log().contains("link connection"), cp.log());

            String api = other.run("curl", "-s", "-m", "10", "http://" + other.hostAddress + ":" + cp.port + "/tasks");
            JsonNode problem = JSON.readTree(api);
            assertEquals(403, problem.path("status").asInt(), api);
            assertTrue(problem.path("detail").asText().contains("fastworker.api.auth.open-to-network=true"), api);
            String metrics = other.run("curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://" + other.hostAddress + ":" + cp.port + "/q/metrics");
            assertEquals("403", metrics, "metrics say what runs: loopback only too");
            String health = other.run("curl", "-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://" + other.hostAddress + ":" + cp.port + "/q/health/live");
            assertEquals("200", health, "health stays open for probes");

            // The same control plane answers its own host.
            assertEquals(200, cp.get("/tasks").statusCode());
            try (Daemon local = Daemon.subworker(cp.linkAddress(), "local", 1, Map.of(), true)) {
                JsonNode t = JSON.readTree(cp.post("/tasks?wait=30s", "{\"task\": \"add\", \"args\": [2, 3]}")
                        .body());
                assertEquals("local", t.path("worker").asText(), t.toString());
            }
        }
    }

    @Test
    void aTokenOrAnExplicitSettingLetsOtherHostsIn() throws Exception {
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false",
                "FASTWORKER_LINK_TOKEN", "s3cret-link-token", "FASTWORKER_API_AUTH_OPEN_TO_NETWORK", "true"));
                Daemon member = Daemon.subworkerOn(other, "tcp://" + other.hostAddress + ":" + cp.linkPort,
                        "member", Map.of("FASTWORKER_LINK_TOKEN", "s3cret-link-token"))) {
            Daemon.await(() -> joined(cp, "member"), j -> j, Duration.ofSeconds(60), "a subworker with the token "
                    + "joins from another host");
            assertTrue(cp.log().contains("fastworker.api.auth.open-to-network is on: anyone who can reach port"),
                    cp.log());
            String submitted = other.run("curl", "-s", "-m", "30", "-H", "Content-Type: application/json", "-d",
                    "{\"task\": \"add\", \"args\": [20, 22]}",
                    "http://" + other.hostAddress + ":" + cp.port + "/tasks?wait=20s");
            JsonNode t = JSON.readTree(submitted);
            assertEquals(42, t.path("result").asInt(), submitted);
            assertEquals("member", t.path("worker").asText(), submitted);
        }
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false",
                "FASTWORKER_LINK_OPEN_TO_NETWORK", "true"));
                Daemon anyone = Daemon.subworkerOn(other, "tcp://" + other.hostAddress + ":" + cp.linkPort,
                        "anyone", Map.of())) {
            Daemon.await(() -> joined(cp, "anyone"), j -> j, Duration.ofSeconds(60), "with open-to-network, a "
                    + "subworker without a token joins from another host");
            assertTrue(cp.log().contains("WARN") && cp.log().contains("fastworker.link.open-to-network is on: anyone "
                    + "who reaches port"), cp.log());
        }
    }
}
