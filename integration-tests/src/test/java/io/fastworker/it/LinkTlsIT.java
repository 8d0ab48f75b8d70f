package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mutual TLS on the link, with certificates made by openssl for this run only (no private key is ever
 * committed): a subworker with a good certificate joins and runs tasks; a wrong CA, an expired certificate, a
 * plaintext client and a certificate that does not name the worker id it joins as are all refused.
 */
class LinkTlsIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static Daemon cp;
    static final List<Daemon> workers = new ArrayList<>();

    static TestCertificates certs;

    static Path file(String name) {
        return certs.file(name);
    }

    @BeforeAll
    static void start() throws Exception {
        certs = new TestCertificates(dir).ca("ca").ca("other-ca")
                .cert("server", "localhost", "DNS:localhost,IP:127.0.0.1", "ca", 2)
                .cert("expired", "localhost", "DNS:localhost,IP:127.0.0.1", "ca", -1)
                .cert("w-tls", "w-tls", "DNS:w-tls", "ca", 2)
                .cert("pool", "pool-a", "DNS:pool-a", "ca", 2)
                .cert("impostor", "w-tls", "DNS:w-tls", "other-ca", 2)
                .cert("py-tls", "py-tls", "DNS:py-tls", "ca", 2)
                .cert("ts-tls", "ts-tls", "DNS:ts-tls", "ca", 2);
        cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false",
                "FASTWORKER_LINK_TLS_CERT", file("server.crt").toString(),
                "FASTWORKER_LINK_TLS_KEY", file("server.key").toString(),
                "FASTWORKER_LINK_TLS_CLIENT_CA", file("ca.crt").toString(),
                "JAVA_TOOL_OPTIONS", "-Dfastworker.link.tls.worker-ids.pool-a=w-pool-1,w-pool-2",
                "FASTWORKER_LINK_JOIN_TIMEOUT", "PT2S"));
    }

    @AfterAll
    static void stop() throws Exception {
        for (Daemon d : workers) {
            d.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    static String tlsAddress() {
        return "tls://localhost:" + cp.linkPort;
    }

    /** A subworker presenting {@code cert} (null: none) and trusting {@code trust}. */
    static Daemon subworker(String id, String cert, String trust, boolean awaitJoined) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("FASTWORKER_SUBWORKER_TLS_TRUST", file(trust + ".crt").toString());
        if (cert != null) {
            env.put("FASTWORKER_SUBWORKER_TLS_CERT", file(cert + ".crt").toString());
            env.put("FASTWORKER_SUBWORKER_TLS_KEY", file(cert + ".key").toString());
        }
        Daemon d = Daemon.subworker(tlsAddress(), id, 2, env, awaitJoined);
        workers.add(d);
        return d;
    }

    static List<String> joined() throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode w : JSON.readTree(cp.get("/workers").body())) {
            if (w.get("kind").asText().equals("subworker")) {
                ids.add(w.get("id").asText());
            }
        }
        return ids;
    }

    /** Waits until the subworker's log shows {@code text}; the subworker keeps retrying meanwhile. */
    static void awaitLog(Daemon d, String text) throws Exception {
        Daemon.await(d::log, l -> l.contains(text), Duration.ofSeconds(30), "'" + text + "' in the log");
    }

    @Test
    void aSubworkerWithAGoodCertificateJoinsAndRunsTasks() throws Exception {
        subworker("w-tls", "w-tls", "ca", true);
        HttpResponse<String> r = cp.post("/tasks?wait=20s", "{\"task\": \"add\", \"args\": [20, 22]}");
        JsonNode task = JSON.readTree(r.body());
        assertEquals("success", task.get("status").asText(), r.body());
        assertEquals(42, task.get("result").asInt());
        assertEquals("w-tls", task.get("worker").asText());
        assertTrue(cp.log().contains("Link listening on tls://"), cp.log());
        // A certificate mapped to worker ids joins as one of them.
        subworker("w-pool-2", "pool", "ca", true);
        assertTrue(joined().contains("w-pool-2"));
    }

    @Test
    void aCertificateThatDoesNotNameTheWorkerIdIsRefused() throws Exception {
        Daemon d = subworker("w-admin", "w-tls", "ca", false);
        awaitLog(d, "join refused");
        assertTrue(d.log().contains("is not one this connection's client certificate may join as"), d.log());
        assertFalse(joined().contains("w-admin"));
    }

    @Test
    void aClientCertificateFromAnotherCaIsCutOff() throws Exception {
        // Its certificate names the right id, but no CA the control plane trusts signed it.
        Daemon d = subworker("w-impostor", "impostor", "ca", false);
        awaitLog(d, "link to " + tlsAddress() + " down (");
        assertFalse(joined().contains("w-impostor"));
    }

    @Test
    void noClientCertificateIsCutOff() throws Exception {
        Daemon d = subworker("w-none", null, "ca", false);
        awaitLog(d, "link to " + tlsAddress() + " down (");
        assertFalse(joined().contains("w-none"));
    }

    @Test
    void aSubworkerThatDoesNotTrustTheControlPlanesCaDoesNotConnect() throws Exception {
        Daemon d = subworker("w-tls-2", "w-tls", "other-ca", false);
        awaitLog(d, "down (cannot connect");
        assertFalse(joined().contains("w-tls-2"));
    }

    @Test
    void aPlaintextClientOnTheTlsPortIsClosedWithoutAWord() throws Exception {
        try (RawLinkClient plain = new RawLinkClient(cp.linkPort)) {
            assertNull(plain.join("w-plain", null, "[\"add\"]"), "no join reply in plaintext");
            assertTrue(plain.awaitClosed(Duration.ofSeconds(10)), "the control plane closes it");
            assertTrue(plain.received().isEmpty(), "nothing readable came back");
        }
        assertFalse(joined().contains("w-plain"));
    }

    @Test
    void anExpiredControlPlaneCertificateIsRefused() throws Exception {
        try (Daemon expired = Daemon.controlPlane(Map.of("FASTWORKER_LINK_TLS_CERT", file("expired.crt").toString(),
                "FASTWORKER_LINK_TLS_KEY", file("server.key").toString()))) {
            Daemon d = Daemon.subworker("tls://localhost:" + expired.linkPort, "w-late", 1,
                    Map.of("FASTWORKER_SUBWORKER_TLS_TRUST", file("ca.crt").toString()), false);
            workers.add(d);
            awaitLog(d, "down (cannot connect");
            assertTrue(d.log().contains("NotAfter"), "the log says the certificate ran out: " + d.log());
        }
    }

    @Test
    void thePythonSubworkerSpeaksMutualTlsToo() throws Exception {
        joinsOverMutualTlsAndRuns("py-tls", "py_reverse", List.of("python3", Daemon.PYTHON_SUBWORKER, "--address",
                tlsAddress(), "--worker-id", "py-tls"));
    }

    @Test
    void theNodeSubworkerSpeaksMutualTlsToo() throws Exception {
        Path sdk = QuickStartIT.ROOT.resolve("sdk/typescript");
        joinsOverMutualTlsAndRuns("ts-tls", "ts_reverse", List.of("node", sdk.resolve("src/cli.js").toString(),
                "subworker", "--task-modules", sdk.resolve("examples/tasks.js").toString(),
                "--control-plane-address", tlsAddress(), "--worker-id", "ts-tls"));
    }

    /** Starts an SDK's subworker with its certificate (named as its worker id) and runs a task on it. */
    static void joinsOverMutualTlsAndRuns(String id, String task, List<String> command) throws Exception {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of("--trust", file("ca.crt").toString(), "--cert", file(id + ".crt").toString(), "--key",
                file(id + ".key").toString()));
        Process worker = new ProcessBuilder(all).redirectErrorStream(true).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!joined().contains(id) && System.nanoTime() < deadline && worker.isAlive()) {
                Thread.sleep(100);
            }
            assertTrue(joined().contains(id), "joined; alive: " + worker.isAlive());
            HttpResponse<String> r = cp.post("/tasks?wait=20s", "{\"task\": \"" + task + "\", \"args\": [\"tls\"]}");
            JsonNode t = JSON.readTree(r.body());
            assertEquals("slt", t.get("result").asText(), r.body());
            assertEquals(id, t.get("worker").asText());
        } finally {
            worker.destroy();
        }
    }
}
