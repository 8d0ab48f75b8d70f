package io.fastworker.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;

/**
 * Control planes on this host as the members of one cluster, each its own process with its own ports and volume
 * (store directory), which a test kills, pauses, restarts, or restarts empty.
 */
final class Cluster implements AutoCloseable {

    private final int size;
    private final int[] http;
    private final int[] link;
    private final int[] raft;
    private final Path[] volumes;
    private final Daemon[] members;
    private final Map<String, String> env;
    private IntFunction<String> raftHosts = i -> "127.0.0.1";

    Cluster(int size, Map<String, String> env) throws IOException {
        this.size = size;
        this.http = new int[size];
        this.link = new int[size];
        this.raft = new int[size];
        this.volumes = new Path[size];
        this.members = new Daemon[size];
        this.env = Map.copyOf(env);
        for (int i = 0; i < size; i++) {
            http[i] = Daemon.freePort();
            link[i] = Daemon.freePort();
            raft[i] = Daemon.freePort();
            volumes[i] = Files.createTempDirectory("fastworker-member-" + i + "-");
        }
    }

    static String id(int i) {
        return "cp-" + i;
    }

    private Map<String, String> env(int i) {
        StringJoiner members = new StringJoiner(",");
        StringJoiner urls = new StringJoiner(",");
        for (int j = 0; j < size; j++) {
            members.add(id(j) + "=" + raftHosts.apply(j) + ":" + raft[j]);
            urls.add(id(j) + "=http://127.0.0.1:" + http[j]);
        }
        Map<String, String> e = new HashMap<>();
        env.forEach((k, v) -> e.put(k, v.replace("{i}", String.valueOf(i)))); // a file of each member's own
        e.put("FASTWORKER_CLUSTER_MEMBERS", members.toString());
        e.put("FASTWORKER_CLUSTER_API_URLS", urls.toString());
        e.put("FASTWORKER_CLUSTER_MEMBER_ID", id(i));
        e.put("FASTWORKER_STORE_PATH", volumes[i].toString());
        return e;
    }

    void startAll() throws Exception {
        for (int i = 0; i < size; i++) {
            start(i);
        }
    }

    /** Starts every member and waits up to {@code timeout} for a leader; its index (fails the test without one). */
    int startAllAndAwaitLeader(Duration timeout) throws Exception {
        startAll();
        int leader = awaitLeader(timeout);
        if (leader < 0) {
            throw new AssertionError("no member became leader within " + timeout + ":\n" + members[0].log());
        }
        return leader;
    }

    /** Starts member {@code i} on its ports and its volume. */
    void start(int i) throws Exception {
        members[i] = Daemon.clusterMember(env(i), http[i], link[i]);
    }

    /** Starts member {@code i} again with an empty volume. */
    void startEmpty(int i) throws Exception {
        Daemon.deleteTree(volumes[i]);
        Files.createDirectories(volumes[i]);
        start(i);
    }

    Daemon member(int i) {
        return members[i];
    }

    /** Names the members' Raft hosts (the members must resolve them to this host); by default 127.0.0.1. */
    Cluster raftHosts(IntFunction<String> hosts) {
        this.raftHosts = hosts;
        return this;
    }

    int raftPort(int i) {
        return raft[i];
    }

    String url(int i) {
        return "http://127.0.0.1:" + http[i];
    }

    List<String> urls() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            all.add(url(i));
        }
        return all;
    }

    /** Every member's link, as a subworker dials them. */
    String linkAddresses() {
        StringJoiner all = new StringJoiner(",");
        for (int i = 0; i < size; i++) {
            all.add("tcp://127.0.0.1:" + link[i]);
        }
        return all.toString();
    }

    /** The member that is ready (the leader, serving), waiting up to {@code timeout}; -1 if none. */
    int awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            for (int i = 0; i < size; i++) {
                if (members[i] != null && members[i].alive() && members[i].ready()) {
                    return i;
                }
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        return -1;
    }

    /** What member {@code i}'s readiness says (its role in the cluster), or why it does not answer. */
    String readiness(int i) {
        try {
            HttpResponse<String> r = Daemon.HTTP.send(HttpRequest.newBuilder(URI.create(url(i) + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "no answer: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** A gauge of member {@code i} from {@code /q/metrics}, or NaN if it does not answer. */
    double metric(int i, String series) {
        try {
            return Daemon.metric(members[i].get("/q/metrics").body(), series);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    /**
     * Waits up to {@code timeout} for the members that {@code pick} keeps out of {@link #selves} to be {@code count}
     * and to hold one state (one fingerprint); what they last said. A follower that a quiet cluster left behind is
     * the leader's to bring along (Ratis' leader can send it only heartbeats until it has a new entry; the leader
     * then writes an empty one): the lines where a member says it did so are printed.
     */
    List<String> awaitSameState(UnaryOperator<List<String>> pick, int count, Duration timeout, String what)
            throws Exception {
        List<String> same = Daemon.await(() -> pick.apply(selves()), l -> l.size() == count && sameState(l), timeout,
                what);
        for (Daemon m : members) {
            if (m != null) {
                m.log().lines().filter(l -> l.contains("to bring it along")).forEach(l -> System.out.println(what
                        + ": " + l));
            }
        }
        return same;
    }

    /**
     * Whether every member answered with the same fingerprint of its state. Their applied indexes may differ by
     * Ratis' own entries, which change no state: a leader logs the commit index it reached as an entry of its own,
     * and a quiet follower may learn that this entry is committed only with the next append.
     */
    static boolean sameState(List<String> selves) {
        java.util.Set<String> states = new java.util.HashSet<>();
        for (String self : selves) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"sha256\":\"([0-9a-f]+)\"").matcher(self);
            if (!m.find()) {
                return false;
            }
            states.add(m.group(1));
        }
        return states.size() == 1;
    }

    /**
     * What each member says of itself ({@code GET /cluster}: id, term, applied index, fingerprint of its state), one
     * line each, or why it does not answer.
     */
    List<String> selves() {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            try {
                HttpResponse<String> r = members[i].get("/cluster");
                all.add(r.statusCode() == 200 ? r.body() : r.statusCode() + " " + r.body());
            } catch (Exception e) {
                all.add("no answer: " + e);
            }
        }
        return all;
    }

    @Override
    public void close() throws Exception {
        for (Daemon d : members) {
            if (d != null) {
                d.kill();
            }
        }
        for (Path v : volumes) {
            Daemon.deleteTree(v);
        }
    }
}
