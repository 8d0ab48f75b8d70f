package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Three control planes as one cluster (Raft through Apache Ratis), two subworkers dialing all three, and eight
 * clients submitting single tasks with idempotency keys to any member, retrying as users do, while the test kills,
 * pauses and wipes members. The history checker ({@link History}) must pass over the whole run: nothing
 * acknowledged is lost, no key gives two tasks, no result changes once read.
 */
class ClusterIT {

    private static final Duration ELECTION = Duration.ofSeconds(30);

    @Test
    void nothingAcknowledgedIsLostWhenLeadersAreKilledPausedAndWiped() throws Exception {
        Map<String, String> env = Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false",
                "FASTWORKER_CLUSTER_SNAPSHOT_EVERY", "200");
        History history = new History();
        try (Cluster cluster = new Cluster(3, env)) {
            cluster.startAll();
            int first = cluster.awaitLeader(Duration.ofSeconds(90));
            assertTrue(first >= 0, "no member became leader:\n" + cluster.member(0).log());
            for (int i = 0; i < 3; i++) {
                if (i != first) {
                    String role = cluster.readiness(i);
                    assertTrue(role.startsWith("503") && role.contains("follower of " + Cluster.id(first)),
                            "member " + i + " should be a follower of " + Cluster.id(first) + ": " + role);
                }
            }
            int follower = (first + 1) % 3;
            java.net.http.HttpResponse<String> redirected = cluster.member(follower).post("/tasks",
                    "{\"task\": \"add\", \"args\": [1, 2]}");
            assertEquals(307, redirected.statusCode(), redirected.body());
            assertEquals(cluster.url(first) + "/tasks", redirected.headers().firstValue("Location").orElse(""));

            try (Daemon w1 = Daemon.subworker(cluster.linkAddresses(), "w1", 4, Map.of(), true);
                    Daemon w2 = Daemon.subworker(cluster.linkAddresses(), "w2", 4, Map.of(), true);
                    Clients clients = new Clients(cluster.urls(), history, "\"task\": \"sleep\", \"args\": [20]")) {
                // the CLI (the Java client) follows a follower's redirect to the leader
                Daemon.Result cli = Daemon.run(Map.of("FASTWORKER_URL", cluster.url(follower)), "submit",
                        "--task-name", "add", "--args", "5", "3");
                assertEquals(0, cli.exitCode(), cli.all());
                assertEquals("8", cli.stdout().strip(), cli.all());
                clients.start(8, "run");
                awaitAcks(history, 150);

                // 1. SIGKILL the leader in the middle of the burst
                long killed = System.nanoTime();
                history.event("SIGKILL " + Cluster.id(first) + " (leader, " + cluster.url(first) + ")");
                cluster.member(first).kill();
                int second = cluster.awaitLeader(ELECTION);
                assertTrue(second >= 0 && second != first, "no new leader after killing " + Cluster.id(first));
                int before = history.acks().size();
                awaitAcks(history, before + 100);
                long failoverMs = firstAckAfter(history, killed, "127.0.0.1:" + cluster.member(second).port)
                        / 1_000_000;
                System.out.printf("cluster: SIGKILL of leader %s -> %s leads; first 202 %d ms after the kill%n",
                        Cluster.id(first), Cluster.id(second), failoverMs);
                assertTrue(failoverMs < 15_000, "failover took " + failoverMs + " ms");

                // the killed member comes back with its volume, as a follower
                cluster.start(first);
                history.event("started " + Cluster.id(first) + " with its volume");
                awaitFollower(cluster, first);

                // 2. SIGSTOP the leader for 10 s: the others elect a leader; the old one, resumed, must step down
                history.event("SIGSTOP " + Cluster.id(second) + " (leader, " + cluster.url(second) + ")");
                cluster.member(second).pause();
                long paused = System.nanoTime();
                int third = awaitLeaderOtherThan(cluster, second);
                assertTrue(third >= 0, "no new leader while " + Cluster.id(second) + " is paused");
                awaitAcks(history, history.acks().size() + 100);
                Thread.sleep(Math.max(0, 10_000 - (System.nanoTime() - paused) / 1_000_000));
                history.event("SIGCONT " + Cluster.id(second) + "; " + Cluster.id(third) + " leads");
                cluster.member(second).resume();
                int exit = cluster.member(second).awaitExit(Duration.ofSeconds(60));
                assertEquals(3, exit, "a deposed leader exits with 3 to drop what it never committed");
                String oldLeader = "127.0.0.1:" + cluster.member(second).port;
                for (History.Ack a : history.acks()) {
                    assertTrue(!(a.answeredBy().equals(oldLeader) && a.atNanos() > paused),
                            "the paused leader acknowledged " + a + " after its term ended");
                }
                System.out.printf("cluster: SIGSTOP of leader %s for 10 s -> %s leads; the old leader exited "
                        + "with %d on SIGCONT%n", Cluster.id(second), Cluster.id(third), exit);
                cluster.start(second);
                history.event("started " + Cluster.id(second) + " with its volume");
                awaitFollower(cluster, second);

                // 3. a follower killed and started again with an empty volume catches up
                int wiped = (third + 1) % 3;
                history.event("SIGKILL " + Cluster.id(wiped) + " (follower)");
                cluster.member(wiped).kill();
                awaitAcks(history, history.acks().size() + 100);
                cluster.startEmpty(wiped);
                history.event("started " + Cluster.id(wiped) + " with an empty volume");
                awaitFollower(cluster, wiped);
                awaitAcks(history, history.acks().size() + 100);
                clients.close();
                assertEquals(0, clients.unexpected(), "unexpected answers: " + clients.unexpectedAnswers());

                int leader = cluster.awaitLeader(ELECTION);
                // the wiped member holds every key the leader holds: every key acknowledged, and perhaps a few whose
                // answer no client waited for
                double leaderKeys = cluster.metric(leader, "fastworker_idempotency_keys");
                assertTrue(leaderKeys >= history.keys() && leaderKeys <= history.keys() + 8, "leader keys "
                        + leaderKeys + ", acknowledged " + history.keys());
                Daemon.await(() -> cluster.metric(wiped, "fastworker_idempotency_keys"), k -> k == leaderKeys,
                        Duration.ofSeconds(60), "the wiped member caught up with the leader's keys");

                List<String> urls = cluster.urls();
                History.Report report = Daemon.await(() -> history.check(id -> Clients.task(urls, id)),
                        r -> r.passed() || r.violations().stream().noneMatch(v -> v.contains("did not finish")),
                        Duration.ofSeconds(90), "every acknowledged task finished or lost");
                System.out.printf("cluster: %d tasks acknowledged, %d finished, %d ran more than once "
                        + "(at-least-once: their attempt was under way when its leader went) %s%n",
                        report.acknowledged(), report.finished(), report.ranMoreThanOnce(), report.why());
                assertTrue(report.passed(), "history check failed: " + report.violations() + "\nevents: "
                        + history.events());
                assertNotEquals(0, report.acknowledged());
            }
        }
    }

    @Test
    void withoutAMajorityNothingIsAcknowledgedAndServiceResumesWhenAMemberComesBack() throws Exception {
        History history = new History();
        try (Cluster cluster = new Cluster(3, Map.of())) {
            cluster.startAll();
            int leader = cluster.awaitLeader(Duration.ofSeconds(90));
            assertTrue(leader >= 0, "no leader");
            try (Clients clients = new Clients(cluster.urls(), history, "\"task\": \"noop\"")) {
                clients.start(4, "before");
                awaitAcks(history, 200);
            }
            int survivor = (leader + 1) % 3;
            int other = (leader + 2) % 3;
            history.event("SIGKILL " + Cluster.id(leader) + " (leader) and " + Cluster.id(other));
            cluster.member(leader).kill();
            cluster.member(other).kill();
            // Alone, the survivor cannot lead: it refuses submissions with 503 and is not ready (a leader that
            // loses its majority exits with 3; its supervisor, here the test, starts it again).
            String refused = Daemon.await(() -> {
                if (!cluster.member(survivor).alive()) {
                    cluster.start(survivor);
                }
                try {
                    java.net.http.HttpResponse<String> r = cluster.member(survivor).post("/tasks",
                            "{\"task\": \"noop\"}");
                    return r.statusCode() + " " + r.headers().firstValue("Retry-After").orElse("-") + " "
                            + r.body();
                } catch (java.io.IOException e) {
                    return "down: " + e;
                }
            }, r -> r.startsWith("503 1 "), Duration.ofSeconds(60), "503 from the member left alone");
            assertTrue(refused.contains("no-leader"), refused);
            assertTrue(cluster.readiness(survivor).startsWith("503"), cluster.readiness(survivor));
            int acked = history.acks().size();
            try (Clients clients = new Clients(List.of(cluster.url(survivor)), history, "\"task\": \"noop\"")) {
                clients.start(2, "alone");
                Thread.sleep(3000);
            }
            assertEquals(acked, history.acks().size(), "nothing is acknowledged without a majority");

            history.event("started " + Cluster.id(leader) + " with its volume");
            cluster.start(leader);
            int back = cluster.awaitLeader(ELECTION);
            assertTrue(back >= 0, "no leader once two members are up again");
            try (Clients clients = new Clients(List.of(cluster.url(survivor), cluster.url(leader)), history,
                    "\"task\": \"noop\"")) {
                clients.start(4, "after");
                awaitAcks(history, acked + 100);
            }
            List<String> urls = List.of(cluster.url(survivor), cluster.url(leader));
            History.Report report = Daemon.await(() -> history.check(id -> Clients.task(urls, id)),
                    r -> r.passed() || r.violations().stream().noneMatch(v -> v.contains("did not finish")),
                    Duration.ofSeconds(90), "every acknowledged task finished or lost");
            assertTrue(report.passed(), "history check failed: " + report.violations() + "\nevents: "
                    + history.events());
        }
    }

    @Test
    void theReadmesHighAvailabilityCommandsRunAsWritten() throws Exception {
        PodmanIT.ReadmeSection readme = PodmanIT.ReadmeSection.read("## High availability");
        for (int port : new int[] {8080, 8081, 8082, 8083, 5555, 5565, 5575, 5557, 5558, 5559}) {
            PodmanIT.assertFree(port);
        }
        try {
            PodmanIT.Run run = PodmanIT.bash(readme.commands());
            assertEquals(0, run.exit(), run.out());
            assertTrue(run.out().contains("\"result\":5"), "the task ran: " + run.out());
            assertEquals(2, run.out().split("follower of cp-", -1).length - 1, "two followers: " + run.out());
        } finally {
            PodmanIT.Run stopped = PodmanIT.bash(readme.stop());
            assertEquals(0, stopped.exit(), stopped.out());
            PodmanIT.bash("sleep 2; rm -rf fastworker-ha-*");
        }
    }

    @Test
    void aMemberThatIsMisconfiguredRefusesToStartSayingWhy() throws Exception {
        String members = "cp-0=127.0.0.1:" + Daemon.freePort() + ",cp-1=127.0.0.1:" + Daemon.freePort() + ",cp-2="
                + "127.0.0.1:" + Daemon.freePort();
        Daemon.Result stranger = Daemon.run(Map.of("FASTWORKER_CLUSTER_MEMBERS", members,
                "FASTWORKER_CLUSTER_MEMBER_ID", "cp-9", "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())),
                "--role", "control-plane", "--link-port",
                String.valueOf(Daemon.freePort()));
        assertNotEquals(0, stranger.exitCode());
        assertTrue(stranger.all().contains("member-id is 'cp-9', which is not one of the members"), stranger.all());

        Daemon.Result remote = Daemon.run(Map.of("FASTWORKER_CLUSTER_MEMBERS",
                "cp-0=10.255.0.1:5557,cp-1=10.255.0.2:5557,cp-2=10.255.0.3:5557", "FASTWORKER_CLUSTER_MEMBER_ID",
                "cp-0", "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())), "--role", "control-plane",
                "--link-port", String.valueOf(Daemon.freePort()));
        assertNotEquals(0, remote.exitCode());
        assertTrue(remote.all().contains("fastworker.cluster.open-to-network=true"), remote.all());

        Daemon.Result two = Daemon.run(Map.of("FASTWORKER_CLUSTER_MEMBERS", "cp-0=127.0.0.1:5557,cp-1=127.0.0.1:5558",
                "FASTWORKER_CLUSTER_MEMBER_ID", "cp-0", "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())),
                "--role", "control-plane", "--link-port",
                String.valueOf(Daemon.freePort()));
        assertNotEquals(0, two.exitCode());
        assertTrue(two.all().contains("a cluster has 3 or 5 members"), two.all());
    }

    private static void awaitAcks(History history, int n) throws Exception {
        Daemon.await(() -> history.acks().size(), a -> a >= n, Duration.ofSeconds(120), n + " acknowledgements");
    }

    /** How long after {@code nanos} the member answering at {@code by} sent its first acknowledgement. */
    private static long firstAckAfter(History history, long nanos, String by) {
        return history.acks().stream().filter(a -> a.answeredBy().equals(by)).mapToLong(History.Ack::atNanos)
                .filter(t -> t > nanos).min().orElseThrow() - nanos;
    }

    private static int awaitLeaderOtherThan(Cluster cluster, int other) throws Exception {
        return Daemon.await(() -> {
            for (int i = 0; i < 3; i++) {
                if (i != other && cluster.member(i).alive() && cluster.member(i).ready()) {
                    return i;
                }
            }
            return -1;
        }, i -> i >= 0, ELECTION, "a leader other than " + Cluster.id(other));
    }

    private static void awaitFollower(Cluster cluster, int i) throws Exception {
        String role = Daemon.await(() -> cluster.readiness(i), r -> r.contains("follower of"),
                Duration.ofSeconds(90), Cluster.id(i) + " following");
        assertTrue(role.contains("follower of"), Cluster.id(i) + " did not follow: " + role);
    }
}
