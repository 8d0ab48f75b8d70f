package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The cluster's manifests run for real: {@code overlays/local-podman-ha} started with the README's commands ("A
 * cluster with podman"), three control-plane pods and a subworker pod on the host network. Clients submit with
 * idempotency keys through all three members while the leader's container is SIGKILLed and later started again on
 * its volume; the history check then passes. Needs podman and the base image, as {@link PodmanIT}.
 */
class PodmanHaIT {

    static final List<String> URLS = List.of("http://127.0.0.1:8090", "http://127.0.0.1:8091",
            "http://127.0.0.1:8092");

    @Test
    void killingTheLeadersPodLosesNothingAcknowledged() throws Exception {
        Assumptions.assumeTrue(PodmanIT.available() || System.getenv("FASTWORKER_REQUIRE_PODMAN") != null,
                "podman or the base image " + PodmanIT.BASE + " is missing; skipped");
        assertTrue(PodmanIT.available(), "FASTWORKER_REQUIRE_PODMAN is set but podman cannot find " + PodmanIT.BASE);
        for (int port : new int[] {8090, 8091, 8092, 5565, 5566, 5567, 5575, 5576, 5577, 9010, 9011, 9012, 8081}) {
            PodmanIT.assertFree(port);
        }
        PodmanIT.ReadmeSection readme = PodmanIT.ReadmeSection.read("### A cluster with podman");
        for (int i = 0; i < 3; i++) {
            PodmanIT.podman("volume", "rm", "-f", "fastworker-ha-data-" + i); // a cluster of its own
        }
        // The image as the previous section's commands build it (its layers are cached after the first build).
        PodmanIT.Run image = PodmanIT.podman("build", "-q", "-f", "Dockerfile.jvm", "--build-arg", "BASE="
                + PodmanIT.BASE, "-t", "localhost/fastworker:jvm", ".");
        assertEquals(0, image.exit(), image.out());
        History history = new History();
        try {
            PodmanIT.Run run = PodmanIT.bash("export CONTAINERS_CONF=" + conf() + "; " + readme.commands());
            assertEquals(0, run.exit(), "the README's commands, as written:\n" + run.out());
            assertTrue(run.out().contains("\"result\":5"), run.out());
            int leader = awaitLeader(-1);
            assertTrue(leader >= 0, "no leader: " + logs());

            try (Clients clients = new Clients(URLS, history, "\"task\": \"sleep\", \"args\": [20]")) {
                clients.start(4, "ha");
                ClusterIT.awaitAcks(history, 100);
                String container = "fastworker-control-plane-" + leader + "-pod-0-control-plane";
                history.event("podman kill -s KILL " + container + " (leader)");
                long killed = System.nanoTime();
                assertEquals(0, PodmanIT.podman("kill", "-s", "KILL", container).exit());
                int next = awaitLeader(leader);
                assertTrue(next >= 0, "no new leader after the leader's pod was killed: " + logs());
                assertNotEquals(leader, next);
                int acked = history.acks().size();
                ClusterIT.awaitAcks(history, acked + 100);
                System.out.printf("podman ha: %s killed, %s leads; %d acknowledged %d ms after the kill%n",
                        Cluster.id(leader), Cluster.id(next), history.acks().size(),
                        (System.nanoTime() - killed) / 1_000_000);
                history.event("podman start " + container + " (on its volume)");
                assertEquals(0, PodmanIT.podman("start", container).exit());
                ClusterIT.awaitAcks(history, history.acks().size() + 100);
            }
            History.Report report = ClusterIT.nothingLost(history, URLS);
            assertNotEquals(0, report.acknowledged());
            System.out.println("podman ha: " + report.acknowledged() + " acknowledged, all finished; "
                    + report.ranMoreThanOnce() + " ran more than once " + report.why());
        } finally {
            PodmanIT.Run stop = PodmanIT.bash("export CONTAINERS_CONF=" + conf() + "; " + readme.stop());
            for (int i = 0; i < 3; i++) {
                PodmanIT.podman("volume", "rm", "-f", "fastworker-ha-data-" + i);
            }
            assertEquals(0, stop.exit(), "the README's stop command: " + stop.out());
        }
    }

    /** The member that answers ready (only the leader does), other than {@code not}; -1 if none within 90 s. */
    static int awaitLeader(int not) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < URLS.size(); i++) {
                if (i == not) {
                    continue;
                }
                try {
                    HttpResponse<Void> r = Daemon.HTTP.send(HttpRequest.newBuilder(URI.create(URLS.get(i)
                            + "/q/health/ready")).timeout(Duration.ofSeconds(2)).build(),
                            HttpResponse.BodyHandlers.discarding());
                    if (r.statusCode() == 200) {
                        return i;
                    }
                } catch (java.io.IOException down) {
                    // not up (yet)
                }
            }
            Thread.sleep(200);
        }
        return -1;
    }

    static String logs() throws Exception {
        StringBuilder all = new StringBuilder(PodmanIT.podman("ps", "-a").out());
        for (int i = 0; i < 3; i++) {
            all.append(PodmanIT.podman("logs", "--tail", "30", "fastworker-control-plane-" + i + "-pod-0-control-plane")
                    .out());
        }
        return all.toString();
    }

    /** A containers.conf with the settings this machine needs (../shared/reference/containers-here.md). */
    static String conf() throws Exception {
        java.nio.file.Path conf = java.nio.file.Files.createTempFile("containers-", ".conf");
        java.nio.file.Files.writeString(conf, "[containers]\ndefault_ulimits = []\n[engine]\nruntime = \"runc\"\n");
        conf.toFile().deleteOnExit();
        return conf.toString();
    }
}
