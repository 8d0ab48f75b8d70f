package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
            int first = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            history.event("three members started, " + Cluster.id(first) + " leads");
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
                try (SseStream feed = new SseStream(cluster.member(first), "?task=sleep", Map.of())) {
                    clients.start(8, "run");
                    awaitAcks(history, 150);
                    // the events feed sends ends once committed: on a healthy cluster they flow
                    int ends = 0;
                    for (long until = System.nanoTime() + Duration.ofSeconds(30).toNanos(); ends < 100
                            && System.nanoTime() < until;) {
                        SseStream.Event e = feed.next(Duration.ofSeconds(1));
                        ends += e != null && e.data() != null && e.data().contains("\"success\"") ? 1 : 0;
                    }
                    assertTrue(ends >= 100, "the leader's events feed sent " + ends + " ends within 30 s");
                    history.event("150 acknowledged, 100 ends on the feed");
                }

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
                long resumed = System.nanoTime();
                cluster.member(second).resume();
                int exit = cluster.member(second).awaitExit(Duration.ofSeconds(60));
                assertEquals(3, exit, "a deposed leader exits with 3 to drop what it never committed");
                String oldLeader = "127.0.0.1:" + cluster.member(second).port;
                // What reached a client while the leader stood still was sent before SIGSTOP; what it sent after
                // SIGCONT can only be what the cluster committed before its term ended: the new leader knows it.
                for (History.Ack a : history.acks()) {
                    if (a.answeredBy().equals(oldLeader) && a.atNanos() > resumed) {
                        assertTrue(Clients.task(List.of(cluster.url(third)), a.id()) != null,
                                "the deposed leader acknowledged " + a + ", which the cluster does not know");
                    }
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
                history.event("the wiped member caught up");
                History.Report report = nothingLost(history, urls);
                history.event("history checked");
                System.out.printf("cluster: %d tasks acknowledged, %d finished, %d ran more than once "
                        + "(at-least-once: their attempt was under way when its leader went) %s%n",
                        report.acknowledged(), report.finished(), report.ranMoreThanOnce(), report.why());
                assertNotEquals(0, report.acknowledged());

                // The leader writes snapshots too (while it leads its state may hold what is not committed yet, so a
                // snapshot is kept once all it holds is), and its log is trimmed.
                double snapshotBefore = cluster.metric(leader, "fastworker_cluster_snapshot_index");
                for (int i = 0; i < 400; i++) {
                    assertEquals(202, cluster.member(leader).post("/tasks", "{\"task\": \"add\", \"args\": [" + i
                            + ", 1]}").statusCode());
                }
                double snapshot = Daemon.await(() -> cluster.metric(leader, "fastworker_cluster_snapshot_index"),
                        i -> i > snapshotBefore, Duration.ofSeconds(30), "a snapshot written by the leader");
                // ... which it starts from once killed and started again on its volume.
                history.event("400 more acknowledged, a snapshot at " + (long) snapshot + "; SIGKILL "
                        + Cluster.id(leader) + " (leader)");
                cluster.member(leader).kill();
                cluster.start(leader);
                awaitFollower(cluster, leader);
                history.event("started " + Cluster.id(leader) + " from its snapshot, following");

                // Replay is deterministic: once quiet, the two followers hold the same state, one replayed over a
                // follower's snapshot, the other over the leader's (written while it proposed).
                List<String> same = cluster.awaitSameState(all -> all.stream().filter(m -> m.contains(
                        "\"serving\":false")).toList(), 2, Duration.ofSeconds(60),
                        "the two followers with one state fingerprint");
                System.out.println("cluster: the followers' states are equal: " + same);
                // ... and the leader's, made live, equals them. (It once lacked a task: a member that had been wiped
                // caught up from a snapshot the leader wrote after the log counted the task's acceptance as applied
                // and before the leader had applied it.)
                cluster.awaitSameState(all -> all, 3, Duration.ofSeconds(30),
                        "the leader's state equal to its followers'");
                System.out.println("cluster: the leader's state equals them");
                history.event("the three states equal");
                // where the test's minutes go (it is the longest of the suite)
                System.out.println("cluster: timeline " + history.events());
            }
        }
    }

    /**
     * Scenario 5: an every-second schedule with {@code catch-up-once} across three leader changes (each leader in
     * turn SIGKILLed, then started again on its volume): one task per tick, none twice, a gap only where no member
     * led, and ticks again after each change.
     */
    @Test
    void aScheduleMakesOneTaskPerTickAcrossThreeLeaderChanges() throws Exception {
        try (Cluster cluster = new Cluster(3, Map.of())) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            java.net.http.HttpResponse<String> made = cluster.member(leader).post("/schedules", "{\"id\": \"tick\", "
                    + "\"task\": \"noop\", \"every\": \"1s\", \"missed\": \"catch-up-once\"}");
            assertEquals(201, made.statusCode(), made.body());
            List<String> changes = new java.util.ArrayList<>();
            for (int change = 0; change < 3; change++) {
                Thread.sleep(4_000);
                long killed = System.nanoTime();
                cluster.member(leader).kill();
                int next = awaitLeaderOtherThan(cluster, leader);
                changes.add(Cluster.id(leader) + " -> " + Cluster.id(next) + " in "
                        + (System.nanoTime() - killed) / 1_000_000 + " ms");
                cluster.start(leader);
                awaitFollower(cluster, leader);
                leader = next;
            }
            Thread.sleep(4_000);
            com.fasterxml.jackson.databind.JsonNode page = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    cluster.member(leader).get("/tasks?task=noop&limit=1000").body());
            List<java.time.Instant> ticks = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode t : page.get("items")) {
                String tick = t.get("schedule").get("tick").asText();
                assertEquals("tick:" + tick, t.get("id").asText(), "a tick's task is named after it");
                ticks.add(java.time.Instant.parse(tick));
            }
            java.util.Collections.sort(ticks);
            assertEquals(ticks.size(), new java.util.HashSet<>(ticks).size(), "a tick made twice: " + ticks);
            List<Long> gaps = new java.util.ArrayList<>();
            for (int i = 1; i < ticks.size(); i++) {
                long apart = Duration.between(ticks.get(i - 1), ticks.get(i)).toSeconds();
                if (apart > 1) {
                    gaps.add(apart);
                }
            }
            System.out.printf("cluster: schedule across leader changes %s: %d ticks, gaps of %s s%n", changes,
                    ticks.size(), gaps);
            assertTrue(ticks.size() >= 12, "ticks: " + ticks);
            assertTrue(gaps.size() <= 3 && gaps.stream().allMatch(g -> g < 15), "gaps (s) " + gaps + " after "
                    + changes + " in " + ticks);
            assertTrue(Duration.between(ticks.get(ticks.size() - 1), java.time.Instant.now()).toSeconds() < 4,
                    "the schedule goes on after the last change: " + ticks);
        }
    }

    /**
     * Scenario 6: subworkers running long tasks while their leader is SIGKILLed keep running them; re-joining the
     * new leader they report what they hold, it keeps those attempts, takes their results, and none runs twice. And a
     * cancel the old leader committed, but whose message the subworker ignored (as if it never arrived), is asked again
     * by the new leader when that subworker re-joins holding the attempt.
     */
    @Test
    void longTasksRunningThroughAFailoverRunOnceAndTheNewLeaderTakesTheirResults() throws Exception {
        try (Cluster cluster = new Cluster(3, Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"))) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            try (Daemon w1 = Daemon.subworker(cluster.linkAddresses(), "w1", 4, Map.of(), true);
                    Daemon w2 = Daemon.subworker(cluster.linkAddresses(), "w2", 4, Map.of(), true)) {
                List<String> ids = sleepsRunning(cluster, leader, 8, 9000, 8);
                Held cancelled = cancelIgnoredOnTheLeader(cluster, leader);
                long killed = System.nanoTime();
                cluster.member(leader).kill();
                cancelled.raw().close();
                int next = awaitLeaderOtherThan(cluster, leader);
                System.out.printf("cluster: leader %s killed with 8 long tasks running; %s leads after %d ms%n",
                        Cluster.id(leader), Cluster.id(next), (System.nanoTime() - killed) / 1_000_000);
                cancelAskedAgainByTheNewLeader(cluster, next, cancelled);
                // An intruder on the new leader's link claims to hold them all and reports results for them: what
                // a worker holds is believed only of the worker the state knows the attempt is running on.
                StringBuilder held = new StringBuilder();
                for (String id : ids) {
                    held.append(held.length() == 0 ? "" : ", ").append("{\"taskId\": \"").append(id)
                            .append("\", \"attempt\": 1}");
                }
                try (RawLinkClient intruder = new RawLinkClient(cluster.member(next).linkPort)) {
                    intruder.frame("{\"type\": \"register\", \"address\": \"fastworker.worker.intruder\"}");
                    intruder.send("fastworker.link.join\", \"replyAddress\": \"r1", "{\"protocol\": 2, "
                            + "\"workerId\": \"intruder\", \"tasks\": [\"sleep\"], \"concurrency\": 8, \"holding\": ["
                            + held + "]}");
                    com.fasterxml.jackson.databind.JsonNode reply = intruder.next(Duration.ofSeconds(10));
                    assertTrue(reply != null && reply.path("body").path("ok").asBoolean(), "joined: " + reply);
                    assertEquals(cluster.metric(next, "fastworker_cluster_term"), reply.path("body").path("term")
                            .asDouble(), "the join reply names the leader's term");
                    for (String id : ids) {
                        intruder.send("fastworker.link.result", "{\"taskId\": \"" + id + "\", \"attempt\": 1, "
                                + "\"ok\": true, \"result\": -1, \"credits\": 0}");
                    }
                }
                for (String id : ids) {
                    String task = Daemon.await(() -> status(cluster, next, id), t -> t.contains("\"success\"")
                            || t.contains("\"failure\""), Duration.ofSeconds(60), id + " finished");
                    com.fasterxml.jackson.databind.JsonNode t = json.readTree(task);
                    assertEquals("success", t.get("status").asText(), task);
                    assertEquals(9000, t.get("result").asLong(), "the result of the subworker that ran it: " + task);
                    assertEquals(1, t.get("attempts").asInt(), "ran once, its result taken by the new leader: "
                            + task);
                }
                assertTrue(w1.log().contains("joined control plane") && w2.log().contains("joined control plane"));
            }
        }
    }

    /** A raw subworker's connection, and the attempt it holds. */
    private record Held(RawLinkClient raw, String id, String attempt) {
    }

    /**
     * A raw subworker of link protocol 3 on the leader's link takes a raw_job, is asked to stop it (DELETE), and
     * ignores the cancel, as a body that ignores its cancel would. Its connection stays open (a closed one would
     * give the attempt up, and so cancel the task) until the caller closes it.
     */
    private static Held cancelIgnoredOnTheLeader(Cluster cluster, int leader) throws Exception {
        RawLinkClient raw = new RawLinkClient(cluster.member(leader).linkPort);
        assertTrue(joinAsProtocol3(raw, "").path("body").path("ok").asBoolean(), raw.received().toString());
        raw.send("fastworker.link.credit", "{\"credits\": 1}");
        java.net.http.HttpResponse<String> r = cluster.member(leader).post("/tasks",
                "{\"task\": \"raw_job\", \"maxRetries\": 2}");
        assertEquals(202, r.statusCode(), r.body());
        String id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("id").asText();
        com.fasterxml.jackson.databind.JsonNode frame = raw.awaitTask(id);
        assertTrue(frame != null, "it got its task: " + raw.received());
        assertEquals(202, cluster.member(leader).delete("/tasks/" + id).statusCode());
        assertTrue(cancelFor(raw, id), "the leader asked it to stop: " + raw.received());
        return new Held(raw, id, frame.get("body").get("attempt").asText());
    }

    /**
     * The raw subworker re-joins the new leader holding the attempt whose cancel it ignored: the new leader asks it
     * again (the previous leader's cancel may never have reached it), and its late result is dropped.
     */
    private static void cancelAskedAgainByTheNewLeader(Cluster cluster, int next, Held held) throws Exception {
        String id = held.id();
        try (RawLinkClient raw = new RawLinkClient(cluster.member(next).linkPort)) {
            com.fasterxml.jackson.databind.JsonNode reply = joinAsProtocol3(raw, "{\"taskId\": \"" + id
                    + "\", \"attempt\": " + held.attempt() + "}");
            assertTrue(reply.path("body").path("ok").asBoolean(), raw.received().toString());
            assertTrue(cancelFor(raw, id), "the new leader asked it again: " + raw.received());
            assertTrue(status(cluster, next, id).contains("\"cancelling\""), status(cluster, next, id));
            raw.send("fastworker.link.result", "{\"taskId\": \"" + id + "\", \"attempt\": " + held.attempt()
                    + ", \"ok\": true, \"result\": 42, \"credits\": 1}");
            String done = Daemon.await(() -> status(cluster, next, id), t -> t.contains("\"cancelled\""),
                    Duration.ofSeconds(30), id + " cancelled");
            assertTrue(new com.fasterxml.jackson.databind.ObjectMapper().readTree(done).get("result").isNull(),
                    "its late result is dropped: " + done);
        }
    }

    /** Joins as subworker "raw" of link protocol 3 offering raw_job, holding {@code held}; the join reply. */
    private static com.fasterxml.jackson.databind.JsonNode joinAsProtocol3(RawLinkClient raw, String held)
            throws Exception {
        return joinAsProtocol3(raw, held, 1);
    }

    /** As {@link #joinAsProtocol3(RawLinkClient, String)}, running up to {@code concurrency} at once. */
    private static com.fasterxml.jackson.databind.JsonNode joinAsProtocol3(RawLinkClient raw, String held,
            int concurrency) throws Exception {
        raw.frame("{\"type\": \"register\", \"address\": \"fastworker.worker.raw\"}");
        raw.send("fastworker.link.join\", \"replyAddress\": \"r1", "{\"protocol\": 3, \"workerId\": \"raw\", "
                + "\"tasks\": [\"raw_job\"], \"concurrency\": " + concurrency + ", \"holding\": [" + held + "]}");
        return raw.next(Duration.ofSeconds(10));
    }

    /** Whether a cancel of {@code id} arrives within 10 s. */
    private static boolean cancelFor(RawLinkClient raw, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            com.fasterxml.jackson.databind.JsonNode f = raw.next(Duration.ofSeconds(1));
            if (f != null && f.path("body").path("cancel").path("taskId").asText().equals(id)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Scenario 5, limits: a {@code maxConcurrency} of 3 and a rate of 5/s, set through the API, hold across a leader's
     * SIGKILL: at no moment do more than 3 attempts of the one task run, and in no second do more than 6 attempts of
     * the other start (5, and the bucket's one start of burst), as the tasks' attempts record it. The new leader
     * counts the attempts it took over as running until they end or are given up.
     */
    @Test
    void limitsHoldAcrossAFailover() throws Exception {
        try (Cluster cluster = new Cluster(3, Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"))) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            assertEquals(200, cluster.member(leader).request("PUT", "/limits/sleep", "{\"maxConcurrency\": 3}",
                    Map.of("Content-Type", "application/json")).statusCode());
            assertEquals(200, cluster.member(leader).request("PUT", "/limits/noop", "{\"rateLimit\": \"5/s\"}",
                    Map.of("Content-Type", "application/json")).statusCode());
            try (Daemon w1 = Daemon.subworker(cluster.linkAddresses(), "w1", 4, Map.of(), true);
                    Daemon w2 = Daemon.subworker(cluster.linkAddresses(), "w2", 4, Map.of(), true)) {
                List<String> noops = new java.util.ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    java.net.http.HttpResponse<String> r = cluster.member(leader).post("/tasks",
                            "{\"task\": \"noop\"}");
                    assertEquals(202, r.statusCode(), r.body());
                    noops.add(json.readTree(r.body()).get("id").asText());
                }
                List<String> ids = sleepsRunning(cluster, leader, 9, 3000, 3);
                Thread.sleep(1000); // a few noops start on this leader
                cluster.member(leader).kill();
                int next = awaitLeaderOtherThan(cluster, leader);
                List<Long> starts = new java.util.ArrayList<>();
                for (String id : noops) {
                    String task = Daemon.await(() -> status(cluster, next, id), t -> t.contains("\"success\""),
                            Duration.ofSeconds(90), id + " succeeded");
                    for (com.fasterxml.jackson.databind.JsonNode a : json.readTree(task).get("history")) {
                        starts.add(java.time.Instant.parse(a.get("startedAt").asText()).toEpochMilli());
                    }
                }
                int mostInASecond = 0;
                for (long at : starts) {
                    mostInASecond = Math.max(mostInASecond, (int) starts.stream().filter(b -> at <= b && b < at + 1000)
                            .count());
                }
                System.out.printf("cluster: rate 5/s across a failover: %d attempts of 30 tasks, at most %d in a "
                        + "second%n", starts.size(), mostInASecond);
                assertTrue(mostInASecond <= 6, "more than 6 attempts started in a second: " + mostInASecond);
                List<long[]> attempts = new java.util.ArrayList<>();
                for (String id : ids) {
                    String task = Daemon.await(() -> status(cluster, next, id), t -> t.contains("\"success\""),
                            Duration.ofSeconds(90), id + " succeeded");
                    for (com.fasterxml.jackson.databind.JsonNode a : json.readTree(task).get("history")) {
                        attempts.add(new long[] {java.time.Instant.parse(a.get("startedAt").asText()).toEpochMilli(),
                            java.time.Instant.parse(a.get("finishedAt").asText()).toEpochMilli()});
                    }
                }
                int most = 0;
                for (long[] a : attempts) {
                    long at = a[0];
                    most = Math.max(most, (int) attempts.stream().filter(b -> b[0] <= at && at < b[1]).count());
                }
                System.out.printf("cluster: maxConcurrency 3 across a failover: %d attempts of 9 tasks, at most %d "
                        + "at once%n", attempts.size(), most);
                assertTrue(most <= 3, "more than 3 attempts ran at once: " + most);
            }
        }
    }

    /** Submits {@code n} sleeps of {@code ms} to the leader; returns their ids once {@code running} of them run. */
    private static List<String> sleepsRunning(Cluster cluster, int leader, int n, long ms, int running)
            throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            java.net.http.HttpResponse<String> r = cluster.member(leader).post("/tasks",
                    "{\"task\": \"sleep\", \"args\": [" + ms + "]}");
            assertEquals(202, r.statusCode(), r.body());
            ids.add(json.readTree(r.body()).get("id").asText());
        }
        Daemon.await(() -> ids.stream().filter(id -> status(cluster, leader, id).contains("\"running\"")).count(),
                c -> c == running, Duration.ofSeconds(30), running + " of " + n + " sleeps running");
        return ids;
    }

    /** {@code GET /tasks/{id}} on member {@code i}, or why it does not answer. */
    private static String status(Cluster cluster, int i, String id) {
        try {
            return cluster.member(i).get("/tasks/" + id).body();
        } catch (Exception e) {
            return "no answer: " + e;
        }
    }

    @Test
    void withoutAMajorityNothingIsAcknowledgedAndServiceResumesWhenAMemberComesBack() throws Exception {
        History history = new History();
        try (Cluster cluster = new Cluster(3, Map.of())) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
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
            nothingLost(history, urls);
        }
    }

    /**
     * A task's end is shown only once a majority holds it: with both followers paused, a raw subworker hands the
     * leader one task's result and another's non-retryable failure, which the leader applies but cannot commit. No
     * read shows either end: not the task, not the list of finished tasks, not the dead letters, not the events
     * stream. (The leader then gives up its term for want of a majority, and a new leader would not know the ends.)
     */
    @Test
    void aTasksEndIsShownOnlyOnceCommitted() throws Exception {
        try (Cluster cluster = new Cluster(3, Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"))) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            Daemon cp = cluster.member(leader);
            List<String> answers = new java.util.ArrayList<>();
            List<SseStream.Event> events = new java.util.ArrayList<>();
            try (RawLinkClient raw = new RawLinkClient(cp.linkPort)) {
                assertTrue(joinAsProtocol3(raw, "", 2).path("body").path("ok").asBoolean(), raw.received().toString());
                String[] ids = new String[2];
                JsonNode[] frames = new JsonNode[2];
                for (int t = 0; t < 2; t++) {
                    raw.send("fastworker.link.credit", "{\"credits\": 1}");
                    java.net.http.HttpResponse<String> accepted = cp.post("/tasks", "{\"task\": \"raw_job\"}");
                    assertEquals(202, accepted.statusCode(), accepted.body());
                    ids[t] = Clients.JSON.readTree(accepted.body()).get("id").asText();
                    frames[t] = raw.awaitTask(ids[t]);
                    assertTrue(frames[t] != null, "it got its task: " + raw.received());
                }
                List<Integer> followers = new java.util.ArrayList<>();
                try (SseStream stream = new SseStream(cp, "?id=" + ids[0] + "&id=" + ids[1], Map.of())) {
                    assertEquals(200, stream.response.statusCode());
                    for (int i = 0; i < 3; i++) {
                        if (i != leader) {
                            followers.add(i);
                            cluster.member(i).pause();
                        }
                    }
                    try {
                        raw.send("fastworker.link.result", "{\"results\": [{\"taskId\": \"" + ids[0]
                                + "\", \"attempt\": " + frames[0].get("body").get("attempt").asText()
                                + ", \"ok\": true, \"result\": 7, \"credits\": 0}, {\"taskId\": \"" + ids[1]
                                + "\", \"attempt\": " + frames[1].get("body").get("attempt").asText()
                                + ", \"ok\": false, \"error\": {\"type\": \"ValueError\", \"message\": \"bad\", "
                                + "\"nonRetryable\": true}, \"credits\": 0}]}");
                        readUntilGone(cp, List.of("/tasks/" + ids[0], "/tasks?status=success",
                                "/tasks?status=failure", "/dead-letters"), Duration.ofSeconds(3), answers);
                        for (SseStream.Event e; (e = stream.next(Duration.ZERO)) != null;) {
                            events.add(e); // all that came while the followers were paused
                        }
                    } finally {
                        for (int i : followers) {
                            cluster.member(i).resume();
                        }
                    }
                }
            }
            assertTrue(answers.stream().noneMatch(a -> a.contains(" 200 ") && (a.contains("\"success\"")
                    || a.contains("\"failure\""))), "an end no majority confirmed was shown: " + answers);
            assertTrue(answers.stream().allMatch(a -> a.contains(" 200 ") || a.startsWith("down")
                    || a.contains(" 503 ") && a.contains("not-committed")), "reads answer 200 (running, or no "
                            + "ended task), 503 not-committed, or nothing once the leader gave up: " + answers);
            assertTrue(events.stream().noneMatch(e -> e.data() != null && (e.data().contains("\"success\"")
                    || e.data().contains("\"failure\""))), "an end no majority confirmed was streamed: " + events);
            System.out.println("cluster: reads while the ends were not committed: " + answers.stream()
                    .map(a -> a.length() > 70 ? a.substring(0, 70) : a).toList() + "; events streamed: " + events);
            assertTrue(cluster.awaitLeader(ELECTION) >= 0, "a leader again once the followers are back");
        }
    }

    /**
     * A busy machine: after 5 s of eight clients submitting on a quiet one, two processes spin on both cores for
     * 15 s while they go on. The leader keeps its term (no member starts an election for want of CPU), the cluster
     * goes on acknowledging, and nothing acknowledged is lost.
     */
    @Test
    void aBusyCpuNeitherCostsTheLeaderItsTermNorLosesAnything() throws Exception {
        History history = new History();
        // every acknowledged task's end is kept for the history check (10,000 by default)
        try (Cluster cluster = new Cluster(3, Map.of("FASTWORKER_RESULT_CACHE_SIZE", "200000"))) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            double term = cluster.metric(leader, "fastworker_cluster_term");
            List<Process> spinners = new java.util.ArrayList<>();
            int quietAcks;
            int busyAcks;
            try (Clients clients = new Clients(cluster.urls(), history, "\"task\": \"noop\"")) {
                clients.start(8, "busy");
                awaitAcks(history, 1000); // warm
                int quiet = history.acks().size();
                Thread.sleep(5_000);
                quietAcks = history.acks().size() - quiet;
                for (int i = 0; i < 2; i++) {
                    spinners.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
                }
                int before = history.acks().size();
                history.event("two processes spin on both cores for 15 s");
                Thread.sleep(15_000);
                busyAcks = history.acks().size() - before;
            } finally {
                spinners.forEach(Process::destroyForcibly);
            }
            history.event("the spinners stopped");
            nothingLost(history, cluster.urls());
            double[] terms = new double[3];
            for (int i = 0; i < 3; i++) {
                terms[i] = cluster.metric(i, "fastworker_cluster_term");
            }
            System.out.printf("cluster on a busy CPU: %d acknowledged in 15 s (%d/s; %d/s before the spinners); terms "
                    + "before %.0f, after %s%n", busyAcks, busyAcks / 15, quietAcks / 5, term,
                    java.util.Arrays.toString(terms));
            assertTrue(busyAcks > 100, "only " + busyAcks + " acknowledged in 15 s on a busy CPU");
            for (int i = 0; i < 3; i++) {
                assertEquals(term, terms[i], Cluster.id(i) + " saw an election while the CPU was busy (term "
                        + term + " -> " + terms[i] + ")\n" + history.events());
            }
        }
    }

    /**
     * Reads each of {@code paths} from {@code cp} over and over, side by side, for {@code time} or until it stops
     * answering; adds each answer to {@code answers} as "path status body" ("down: ..." once gone).
     */
    private static void readUntilGone(Daemon cp, List<String> paths, Duration time, List<String> answers)
            throws InterruptedException {
        long until = System.nanoTime() + time.toNanos();
        List<Thread> readers = new java.util.ArrayList<>();
        for (String path : paths) {
            Thread reader = new Thread(() -> {
                for (boolean gone = false; !gone && System.nanoTime() < until;) {
                    String answer;
                    try {
                        java.net.http.HttpResponse<String> r = cp.get(path);
                        answer = path + " " + r.statusCode() + " " + r.body();
                        Thread.sleep(50);
                    } catch (Exception e) {
                        answer = "down: " + path + " " + e; // the leader gave up its term
                        gone = true;
                    }
                    synchronized (answers) {
                        answers.add(answer);
                    }
                }
            }, "reader " + path);
            reader.start();
            readers.add(reader);
        }
        for (Thread t : readers) {
            t.join();
        }
    }

    /**
     * Five members: the cluster goes on acknowledging with two of them gone (the leader among them), loses nothing
     * it acknowledged, and once both are back (one on its volume, one wiped) all five hold one state.
     */
    @Test
    void fiveMembersServeWithTwoGoneAndAgreeOnceBack() throws Exception {
        History history = new History();
        try (Cluster cluster = new Cluster(5, Map.of())) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(120));
            int other = (leader + 2) % 5;
            try (Clients clients = new Clients(cluster.urls(), history, "\"task\": \"noop\"")) {
                clients.start(4, "run");
                awaitAcks(history, 150);
                history.event("SIGKILL " + Cluster.id(leader) + " (leader) and " + Cluster.id(other));
                cluster.member(leader).kill();
                cluster.member(other).kill();
                int next = cluster.awaitLeader(ELECTION);
                assertTrue(next >= 0 && next != leader && next != other, "no new leader among the three left");
                awaitAcks(history, history.acks().size() + 150); // three of five are a majority
                history.event("started " + Cluster.id(leader) + " on its volume and " + Cluster.id(other) + " empty");
                cluster.start(leader);
                cluster.startEmpty(other);
                awaitAcks(history, history.acks().size() + 100);
            }
            List<String> urls = cluster.urls();
            nothingLost(history, urls);
            List<String> all = cluster.awaitSameState(s -> s, 5, Duration.ofSeconds(90),
                    "the five members with one state fingerprint");
            System.out.println("cluster of five: the members' states are equal: " + all);
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

    /**
     * Waits until every task the history saw acknowledged has finished or is known lost (each read from any of
     * {@code urls}), then asserts that the history check passed: nothing acknowledged lost, none finished twice.
     */
    static History.Report nothingLost(History history, List<String> urls) throws Exception {
        History.Report report = Daemon.await(() -> history.check(id -> Clients.task(urls, id)),
                r -> r.passed() || r.violations().stream().noneMatch(v -> v.contains("did not finish")),
                Duration.ofSeconds(90), "every acknowledged task finished or lost");
        assertTrue(report.passed(), "history check failed: " + report.violations() + "\nevents: "
                + history.events());
        return report;
    }

    static void awaitAcks(History history, int n) throws Exception {
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

    /**
     * Waits for member {@code i} to follow. A member that exits with 3 asks its supervisor to start it again (a
     * deposed leader, or one whose state a leader's snapshot replaced while it was behind); the test is its
     * supervisor here, as Kubernetes is in a deployment, and does so, twice at most: a member that keeps exiting fails.
     */
    static void awaitFollower(Cluster cluster, int i) throws Exception {
        int[] restarts = {0};
        String role = Daemon.await(() -> {
            Daemon m = cluster.member(i);
            if (!m.alive() && m.awaitExit(Duration.ZERO) == 3 && restarts[0] < 2) {
                restarts[0]++;
                System.out.println(Cluster.id(i) + " exited with 3, so started again as its supervisor would: "
                        + m.log().lines().filter(l -> l.contains("exits with code 3")).reduce((a, b) -> b)
                                .orElse("(no line says why)"));
                cluster.start(i);
            }
            return cluster.readiness(i);
        }, r -> r.contains("follower of"), Duration.ofSeconds(90), Cluster.id(i) + " following");
        assertTrue(role.contains("follower of"), Cluster.id(i) + " did not follow: " + role);
    }
}
