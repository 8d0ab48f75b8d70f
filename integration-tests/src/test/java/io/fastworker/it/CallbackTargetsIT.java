package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Callbacks do not reach internal addresses by default (before, the control plane POSTed to 127.0.0.1 on any
 * port, localhost, 2130706433, [::ffff:127.0.0.1], 0.0.0.0 and its own API, and its lastError made the API a port
 * scanner): a host written as an internal address is refused at submission, a name is checked on what it resolves to
 * when it is sent, and what the submitter sees of a failure is coarse. Naming a host in allowed-hosts lets it in.
 */
class CallbackTargetsIT {

    static final ObjectMapper JSON = new ObjectMapper();

    static String withCallback(String url) {
        return "{\"task\": \"add\", \"args\": [1, 2], \"callback\": {\"url\": \"" + url + "\"}}";
    }

    static JsonNode awaitCallbackEnd(Daemon cp, String id) throws Exception {
        return Daemon.await(() -> JSON.readTree(cp.get("/tasks/" + id).body()), t -> t.hasNonNull("callback")
                && List.of("failed", "delivered").contains(t.get("callback").get("status").asText()),
                Duration.ofSeconds(30), "the callback of " + id + " ends");
    }

    @Test
    void internalAddressesAreRefusedUnlessNamed() throws Exception {
        try (CallbackReceiver receiver = CallbackReceiver.start();
                Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CALLBACKS_RETRY_DELAY", "PT0.1S"))) {
            int port = Integer.parseInt(receiver.url("").substring("http://127.0.0.1:".length()));
            for (String host : List.of("127.0.0.1", "2130706433", "[::ffff:127.0.0.1]", "0.0.0.0", "[::1]")) {
                HttpResponse<String> r = cp.post("/tasks", withCallback("http://" + host + ":" + port + "/ok"));
                JsonNode problem = Daemon.problem(r, 400, host);
                assertEquals("urn:fastworker:problem:callback-host-not-allowed", problem.get("type").asText());
                assertTrue(problem.get("detail").asText().contains("fastworker.callbacks.allowed-hosts"), r.body());
            }
            // Names are accepted, then refused when sent: localhost, and this host's own name (its own API).
            for (String url : List.of("http://localhost:" + port + "/ok", "http://" + java.net.InetAddress
                    .getLocalHost().getHostName() + ":" + cp.port + "/tasks")) {
                HttpResponse<String> r = cp.post("/tasks", withCallback(url));
                assertEquals(202, r.statusCode(), r.body());
                JsonNode t = awaitCallbackEnd(cp, JSON.readTree(r.body()).get("id").asText());
                JsonNode callback = t.get("callback");
                assertEquals("failed", callback.get("status").asText(), t.toString());
                assertEquals(1, callback.get("attempts").asInt(), "a refusal is not retried: " + t);
                assertTrue(callback.get("lastError").asText().startsWith("refused: its host resolves to an address "
                        + "that is not public"), t.toString());
                assertFalse(callback.get("lastError").asText().contains("127.0.0.1"), t.toString());
            }
            assertTrue(receiver.receivedCount() == 0, "nothing reached the receiver");
        }
        try (CallbackReceiver receiver = CallbackReceiver.start();
                Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CALLBACKS_ALLOWED_HOSTS", "127.0.0.1",
                        "FASTWORKER_CALLBACKS_RETRY_DELAY", "PT0.1S", "FASTWORKER_CALLBACKS_MAX_ATTEMPTS", "2"))) {
            // Named, the same internal receiver is called.
            HttpResponse<String> r = cp.post("/tasks", withCallback(receiver.url("/ok")));
            assertEquals("delivered", awaitCallbackEnd(cp, JSON.readTree(r.body()).get("id").asText())
                    .get("callback").get("status").asText());
            // A closed port tells the submitter nothing about it.
            int closed = Daemon.freePort();
            r = cp.post("/tasks", withCallback("http://127.0.0.1:" + closed + "/scan"));
            JsonNode t = awaitCallbackEnd(cp, JSON.readTree(r.body()).get("id").asText());
            assertEquals("no answer (could not connect, or timed out)", t.get("callback").get("lastError").asText(),
                    t.toString());
            assertFalse(t.toString().contains(String.valueOf(closed) + "\"") || t.toString().contains("refused:"),
                    "no connection detail: " + t);
        }
    }
}
