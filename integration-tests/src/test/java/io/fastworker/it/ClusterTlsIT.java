package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.apache.ratis.client.impl.ClientProtoUtils;
import org.apache.ratis.proto.grpc.AdminProtocolServiceGrpc;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupListRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException;
import org.apache.ratis.thirdparty.io.grpc.netty.GrpcSslContexts;
import org.apache.ratis.thirdparty.io.grpc.netty.NettyChannelBuilder;
import org.apache.ratis.thirdparty.io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members that speak Raft over mutual TLS ({@code fastworker.cluster.tls.*}): the cluster works and fails over
 * as without TLS (the history checker over real processes, a leader SIGKILLed), whoever reaches the Raft port
 * without a certificate of the members' CA is refused before a byte of Raft reaches it, and one who holds a member's
 * certificate speaks Raft only as that member.
 */
class ClusterTlsIT {

    /** The start of an HTTP/2 connection (gRPC's transport): the client preface, then an empty SETTINGS frame. */
    private static final byte[] H2_PREFACE = concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(
            StandardCharsets.US_ASCII), new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});

    static TestCertificates certs;

    @BeforeAll
    static void certificates(@TempDir Path dir) throws Exception {
        certs = new TestCertificates(dir);
        // The README's commands make the CA and one certificate for every member, as a StatefulSet's pods share one
        // Secret; the JVMs resolve the pods' names from a hosts file of their own.
        String readme = Files.readString(PodmanIT.ROOT.resolve("README.md"));
        int block = readme.indexOf("  ```bash\n", readme.indexOf("Each member binds its Raft port on its own"));
        String commands = readme.substring(block + "  ```bash\n".length(), readme.indexOf("\n  ```", block + 3))
                .replaceAll("(?m)^  ", "");
        Process p = new ProcessBuilder("bash", "-e", "-c", commands).directory(dir.toFile()).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "the README's certificate commands:\n" + commands + "\n" + out);
        StringBuilder hosts = new StringBuilder("127.0.0.1");
        for (int i = 0; i < 3; i++) {
            hosts.append(' ').append(pod(i));
        }
        Files.writeString(certs.file("hosts"), hosts + "\n");
        certs.ca("stranger-ca");
        certs.cert("cp-0", "cp-0", "IP:127.0.0.1,DNS:localhost", "raft-ca", 2); // a member on 127.0.0.1
        for (int i = 0; i < 3; i++) {
            certs.cert("member-" + i, "cp-" + i, "DNS:" + pod(i), "raft-ca", 2); // a certificate for each member
        }
        // a peer that claims to be cp-1, on the right host, with a certificate of another CA
        certs.cert("stranger", "cp-1", "IP:127.0.0.1,DNS:localhost", "stranger-ca", 2);
        // a member's certificate for another host
        certs.cert("elsewhere", "cp-0", "DNS:elsewhere.example", "raft-ca", 2);
        certs.cert("expired", "cp-0", "IP:127.0.0.1", "raft-ca", -1);
    }

    /** Member i's Raft host in the ha overlay: its pod's name under the headless Service. */
    static String pod(int i) {
        return "fastworker-control-plane-" + i + ".fastworker-control-plane";
    }

    static Map<String, String> tls(String cert, String ca) {
        return Map.of("FASTWORKER_CLUSTER_TLS_CERT", certs.file(cert + ".crt").toString(),
                "FASTWORKER_CLUSTER_TLS_KEY", certs.file(cert + ".key").toString(), "FASTWORKER_CLUSTER_TLS_CA",
                certs.file(ca + ".crt").toString());
    }

    @Test
    void membersSpeakOnlyMutualTlsAndNothingAcknowledgedIsLostWhenTheLeaderIsKilled() throws Exception {
        // the ha overlay's layout: members named by their pods through the headless Service, one wildcard
        // certificate for all
        History history = new History();
        Map<String, String> env = new HashMap<>(tls("raft", "raft-ca"));
        env.put("JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + certs.file("hosts"));
        try (Cluster cluster = new Cluster(3, env).raftHosts(ClusterTlsIT::pod)) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            assertTrue(cluster.member(leader).log().contains("(grpc, mutual TLS)"), cluster.member(leader).log());
            double term = cluster.metric(leader, "fastworker_cluster_term");

            // Whoever reaches the Raft port: only a member's certificate gets as far as gRPC's HTTP/2.
            int port = cluster.raftPort(leader);
            assertEquals("HTTP/2 SETTINGS", tlsProbe(certs.clientContext("raft", "raft-ca"), port),
                    "the probe itself works: a member's certificate reaches gRPC");
            assertTrue(tlsProbe(certs.clientContext("stranger", "raft-ca"), port).startsWith("refused"),
                    "a certificate of another CA");
            assertTrue(tlsProbe(certs.clientContext(null, "raft-ca"), port).startsWith("refused"),
                    "no certificate");
            assertTrue(plaintextProbe(port).startsWith("refused"), "plaintext HTTP/2");
            // A stranger that runs a member on its own certificate, claiming cp-1's id, takes no part: its votes and
            // appends are refused, so the leader stays and its term does not move.
            Map<String, String> strangerEnv = new HashMap<>(tls("stranger", "stranger-ca"));
            String members = "cp-0=127.0.0.1:" + cluster.raftPort(0) + ",cp-1=127.0.0.1:" + Daemon.freePort()
                    + ",cp-2=127.0.0.1:" + cluster.raftPort(2);
            strangerEnv.putAll(Map.of("FASTWORKER_CLUSTER_MEMBERS", members, "FASTWORKER_CLUSTER_MEMBER_ID", "cp-1",
                    "FASTWORKER_STORE_PATH", certs.file("stranger-store").toString()));
            try (Daemon stranger = Daemon.clusterMember(strangerEnv, Daemon.freePort(), Daemon.freePort())) {
                Daemon.await(stranger::log, l -> l.contains("Cluster: member cp-1"), Duration.ofSeconds(60),
                        "the stranger's Raft server");
                Thread.sleep(4000); // several of its election timeouts
                assertEquals(leader, cluster.awaitLeader(Duration.ofSeconds(1)), "the leader stays");
                assertEquals(term, cluster.metric(leader, "fastworker_cluster_term"), "the term stays");
                assertTrue(!stranger.ready(), "the stranger never leads");
            }

            try (Clients clients = new Clients(cluster.urls(), history, "\"task\": \"add\", \"args\": [2, 3]")) {
                clients.start(4, "run");
                ClusterIT.awaitAcks(history, 100);
                history.event("SIGKILL " + Cluster.id(leader) + " (leader)");
                int acked = history.acks().size();
                cluster.member(leader).kill();
                int next = Daemon.await(() -> cluster.awaitLeader(Duration.ofSeconds(1)),
                        i -> i >= 0 && i != leader, Duration.ofSeconds(30), "a new leader");
                System.out.println("cluster tls: " + Cluster.id(next) + " leads after the kill");
                ClusterIT.awaitAcks(history, acked + 100);
                history.event("started " + Cluster.id(leader) + " with its volume");
                cluster.start(leader);
                ClusterIT.awaitFollower(cluster, leader);
                ClusterIT.awaitAcks(history, history.acks().size() + 50);
            }
            List<String> urls = cluster.urls();
            ClusterIT.nothingLost(history, urls);
            List<String> same = cluster.awaitSameState(all -> all, 3, Duration.ofSeconds(60),
                    "the three members with one state fingerprint");
            System.out.println("cluster tls: the three states are equal: " + same);
        }
    }

    @Test
    void withACertificateForEachMemberAMemberSpeaksRaftOnlyAsItself() throws Exception {
        Map<String, String> env = new HashMap<>(tls("member-{i}", "raft-ca"));
        env.put("JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file=" + certs.file("hosts"));
        try (Cluster cluster = new Cluster(3, env).raftHosts(ClusterTlsIT::pod)) {
            int leader = cluster.startAllAndAwaitLeader(Duration.ofSeconds(90));
            HttpResponse<String> r = cluster.member(leader).post("/tasks?wait=10s",
                    "{\"task\": \"add\", \"args\": [2, 3]}");
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"result\":5"), "the members, each on its own certificate: " + r.body());
            double term = cluster.metric(leader, "fastworker_cluster_term");

            // An impostor holds one member's certificate and key and speaks Raft as another member: its own list of
            // members puts the member it poses as at the host its certificate names, so it starts, and it asks the
            // members for their votes in that member's name. Each refuses it before Ratis sees the request.
            int posesAs = (leader + 1) % 3;
            int holds = (leader + 2) % 3;
            StringBuilder members = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                members.append(i == 0 ? "" : ",").append(Cluster.id(i)).append('=').append(i == posesAs
                        ? pod(holds) + ":" + Daemon.freePort() : pod(i) + ":" + cluster.raftPort(i));
            }
            Map<String, String> impostorEnv = new HashMap<>(tls("member-" + holds, "raft-ca"));
            impostorEnv.putAll(Map.of("FASTWORKER_CLUSTER_MEMBERS", members.toString(),
                    "FASTWORKER_CLUSTER_MEMBER_ID", Cluster.id(posesAs), "FASTWORKER_STORE_PATH",
                    certs.file("impostor-store").toString(), "JAVA_TOOL_OPTIONS", "-Djdk.net.hosts.file="
                            + certs.file("hosts")));
            try (Daemon impostor = Daemon.clusterMember(impostorEnv, Daemon.freePort(), Daemon.freePort())) {
                Daemon.await(impostor::log, l -> l.contains("Cluster: member " + Cluster.id(posesAs)),
                        Duration.ofSeconds(60), "the impostor's Raft server");
                String refusal = "names as its sender member " + Cluster.id(posesAs) + ", whose Raft host "
                        + pod(posesAs) + " its certificate does not name";
                for (int member : new int[] {leader, holds}) {
                    Daemon.await(() -> cluster.member(member).log(), l -> l.contains(refusal),
                            Duration.ofSeconds(30), Cluster.id(member) + " refusing the impostor");
                }
                assertEquals(leader, cluster.awaitLeader(Duration.ofSeconds(1)), "the leader stays");
                assertEquals(term, cluster.metric(leader, "fastworker_cluster_term"), "the term stays");
                assertTrue(!impostor.ready(), "the impostor never leads");
            }
            assertTrue(cluster.member(posesAs).log().lines().noneMatch(l -> l.contains("refused a Raft request")),
                    "the member posed as refused nothing (the impostor did not dial itself)");

            // Ratis' admin and client services share the Raft port; a member's certificate gets no answer from them
            // (they could change the membership, or write to every member's state: FastWorker never uses them).
            String admin = groupList(cluster, posesAs, "member-" + holds);
            assertTrue(admin.startsWith("refused: ") && admin.contains("PERMISSION_DENIED")
                    && admin.contains("only the Raft protocol between members"), admin);
            r = cluster.member(leader).post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [4, 5]}");
            assertTrue(r.body().contains("\"result\":9"), "the cluster goes on: " + r.body());
        }
    }

    @Test
    void aMemberWhoseCertificateWouldLeaveItOutRefusesToStartSayingWhy() throws Exception {
        String members = "cp-0=127.0.0.1:" + Daemon.freePort() + ",cp-1=127.0.0.1:" + Daemon.freePort() + ",cp-2="
                + "127.0.0.1:" + Daemon.freePort();
        assertRefused(members, tls("elsewhere", "raft-ca"), "does not name this member's Raft host '127.0.0.1'");
        assertRefused(members, tls("stranger", "raft-ca"), "is not signed by fastworker.cluster.tls.ca");
        assertRefused(members, tls("expired", "raft-ca"), "is not valid now");
        assertRefused(members, Map.of("FASTWORKER_CLUSTER_TLS_CERT", certs.file("cp-0.crt").toString()),
                "fastworker.cluster.tls.cert, .key and .ca go together");
        Map<String, String> netty = new HashMap<>(tls("cp-0", "raft-ca"));
        netty.put("FASTWORKER_CLUSTER_TRANSPORT", "netty");
        assertRefused(members, netty, "Ratis speaks TLS between members on its gRPC transport only");
        Map<String, String> missing = new HashMap<>(tls("cp-0", "raft-ca"));
        missing.put("FASTWORKER_CLUSTER_TLS_CA", certs.file("nothing.crt").toString());
        assertRefused(members, missing, "nothing.crt is not a readable file");

        // With TLS, members may be on other hosts without open-to-network (here the others are unreachable).
        Map<String, String> env = new HashMap<>(tls("cp-0", "raft-ca"));
        env.putAll(Map.of("FASTWORKER_CLUSTER_MEMBERS", "cp-0=127.0.0.1:" + Daemon.freePort()
                + ",cp-1=10.255.0.2:5557,cp-2=10.255.0.3:5557", "FASTWORKER_CLUSTER_MEMBER_ID", "cp-0",
                "FASTWORKER_STORE_PATH", certs.file("remote-store").toString()));
        try (Daemon remote = Daemon.clusterMember(env, Daemon.freePort(), Daemon.freePort())) {
            String log = Daemon.await(remote::log, l -> l.contains("Cluster: member cp-0") || !remote.alive(),
                    Duration.ofSeconds(60), "member cp-0 started");
            assertTrue(log.contains("(grpc, mutual TLS)"), log);
            assertTrue(remote.alive(), log);
        }
    }

    /**
     * Ratis' admin call that lists a server's groups, sent to member {@code i} with the certificate {@code cert}:
     * {@code answered: } and the groups, or {@code refused: } and why.
     */
    private static String groupList(Cluster cluster, int i, String cert) throws Exception {
        SslContext tls = GrpcSslContexts.forClient().keyManager(certs.file(cert + ".crt").toFile(),
                certs.file(cert + ".key").toFile()).trustManager(certs.file("raft-ca.crt").toFile()).build();
        // this JVM cannot resolve the pods' names: it dials the address, and checks the name the member's
        // certificate carries
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", cluster.raftPort(i))
                .overrideAuthority(pod(i)).sslContext(tls).build();
        try {
            GroupListRequest request = new GroupListRequest(ClientId.randomId(), RaftPeerId.valueOf(Cluster.id(i)),
                    RaftGroupId.valueOf(UUID.nameUUIDFromBytes("fastworker-control-plane".getBytes(
                            StandardCharsets.UTF_8))),
                    1);
            return "answered: " + AdminProtocolServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10,
                    TimeUnit.SECONDS).groupList(ClientProtoUtils.toGroupListRequestProto(request));
        } catch (StatusRuntimeException e) {
            return "refused: " + e.getStatus();
        } finally {
            channel.shutdownNow();
        }
    }

    private static void assertRefused(String members, Map<String, String> tls, String why) throws Exception {
        Map<String, String> env = new HashMap<>(tls);
        env.putAll(Map.of("FASTWORKER_CLUSTER_MEMBERS", members, "FASTWORKER_CLUSTER_MEMBER_ID", "cp-0",
                "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort()), "FASTWORKER_STORE_PATH",
                certs.file("refused-store").toString()));
        Daemon.Result r = Daemon.run(env, "--role", "control-plane", "--link-port", String.valueOf(Daemon.freePort()));
        assertNotEquals(0, r.exitCode(), r.all());
        assertTrue(r.all().contains(why), "expected '" + why + "' in:\n" + r.all());
    }

    /**
     * Opens TLS to the Raft port with {@code context} and starts HTTP/2: {@code HTTP/2 SETTINGS} when the server
     * answered with its settings, else {@code refused: } and what the client saw.
     */
    private static String tlsProbe(SSLContext context, int port) {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(3000);
            SSLParameters params = socket.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2"});
            socket.setSSLParameters(params);
            socket.startHandshake();
            return h2(socket.getOutputStream(), socket.getInputStream());
        } catch (IOException e) {
            return "refused: " + e;
        }
    }

    private static String plaintextProbe(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(3000);
            return h2(socket.getOutputStream(), socket.getInputStream());
        } catch (IOException e) {
            return "refused: " + e;
        }
    }

    private static String h2(OutputStream out, InputStream in) throws IOException {
        out.write(H2_PREFACE);
        out.flush();
        byte[] header = in.readNBytes(9);
        if (header.length < 9) {
            return "refused: the connection closed after " + header.length + " bytes";
        }
        return header[3] == 4 ? "HTTP/2 SETTINGS" : "refused: a frame of type " + header[3];
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
