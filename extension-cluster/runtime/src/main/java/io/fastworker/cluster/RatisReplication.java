package io.fastworker.cluster;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.replica.Replica;
import io.fastworker.replica.Replication;
import io.fastworker.telemetry.TaskMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The control plane's replicated log on Apache Ratis: one Raft group of the configured members, over Ratis' Netty
 * transport (gRPC with mutual TLS), its log and snapshots in the store path. Proposals are made on the leader; they complete once a
 * majority has the entry.
 */
@ApplicationScoped
public class RatisReplication implements Replication {

    private static final Logger LOG = Logger.getLogger(RatisReplication.class);

    /** One group per cluster, the same id on every member. */
    private static final RaftGroupId GROUP = RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes("fastworker-control-plane".getBytes(StandardCharsets.UTF_8)));

    @Inject
    ClusterConfig config;

    @Inject
    FastWorkerConfig.Store store;

    @Inject
    TaskMetrics metrics;

    @Inject
    Clock clock;

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
    int httpPort;

    private Members members;
    private String memberId;
    private RaftServer server;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private volatile RaftPeerId leaderId;
    private ReplicaStateMachine machine;
    private Laggards laggards;

    @Override
    public boolean configured() {
        return config.members().isPresent();
    }

    @Override
    public String memberId() {
        if (memberId == null) {
            memberId = config.memberId().orElseGet(RatisReplication::hostName);
        }
        return memberId;
    }

    @Override
    public void start(Replica replica) throws IOException {
        members = Members.parse(config.members().orElseThrow(), config.apiUrls().orElse(null), httpPort);
        String me = memberId();
        Members.Member self = members.byId().get(me);
        if (self == null) {
            throw new IllegalArgumentException("fastworker.cluster.member-id is '" + me + "', which is not one of "
                    + "the members " + members.byId().keySet() + " (fastworker.cluster.members)");
        }
        Optional<GrpcTlsConfig> tls = RaftTls.read(config.tls(), self.host(), clock);
        ClusterConfig.Transport transport = transport(tls.isPresent());
        check(members, tls.isPresent());
        List<RaftPeer> peers = members.byId().values().stream().map(m -> RaftPeer.newBuilder().setId(m.id())
                .setAddress(m.address()).setClientAddress(m.apiUrl()).build()).toList();
        RaftGroup group = RaftGroup.valueOf(GROUP, peers);
        Path dir = Path.of(store.path(), "raft");
        Files.createDirectories(dir);
        boolean formatted = Files.exists(dir.resolve(GROUP.getUuid().toString()));
        machine = new ReplicaStateMachine(replica, this::currentTerm, id -> leaderId = id);
        server = RaftServer.newBuilder().setServerId(RaftPeerId.valueOf(me)).setGroup(group)
                .setStateMachine(machine).setProperties(properties(self, dir, transport))
                .setParameters(parameters(tls, members))
                .setOption(formatted ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        laggards = new Laggards(server, server.getDivision(GROUP), this::propose, answeredWithinMs(), 2000);
        metrics.gauge("fastworker.cluster.term", "The Raft term this member is in", this::currentTerm);
        metrics.gauge("fastworker.cluster.applied_index", "The last entry of the cluster's log applied here",
                this::appliedIndex);
        metrics.gauge("fastworker.cluster.snapshot_index", "The last entry of the log this member's latest snapshot "
                + "holds (the log before it can be trimmed); -1 before the first",
                () -> machine.getLatestSnapshot() == null ? -1 : machine.getLatestSnapshot().getIndex());
        metrics.gauge("fastworker.cluster.leader", "1 while this member leads, else 0", () -> leader().filter(
                l -> l.id().equals(me)).isPresent() ? 1 : 0);
        LOG.infof("Cluster: member %s of %s, Raft on %s (%s%s), log in %s", me, members.byId().keySet(),
                self.address(), transport.name().toLowerCase(Locale.ROOT), tls.isPresent() ? ", mutual TLS" : "",
                dir.toAbsolutePath());
    }

    /** The transport: Netty unless TLS needs gRPC, the only one of Ratis' transports that speaks it. */
    private ClusterConfig.Transport transport(boolean tls) {
        ClusterConfig.Transport chosen = config.transport()
                .orElse(tls ? ClusterConfig.Transport.GRPC : ClusterConfig.Transport.NETTY);
        if (tls && chosen == ClusterConfig.Transport.NETTY) {
            throw new IllegalArgumentException("fastworker.cluster.transport=netty cannot carry the members' TLS "
                    + "(fastworker.cluster.tls.*): Ratis speaks TLS between members on its gRPC transport only; set "
                    + "fastworker.cluster.transport=grpc, or leave it unset");
        }
        return chosen;
    }

    /** With TLS: the members' TLS, and each caller speaks Raft only as a member its certificate names. */
    private static Parameters parameters(Optional<GrpcTlsConfig> tls, Members members) {
        Parameters p = new Parameters();
        tls.ifPresent(t -> {
            GrpcConfigKeys.TLS.setConf(p, t);
            MemberIdentity identity = new MemberIdentity(members.byId().values().stream()
                    .collect(java.util.stream.Collectors.toMap(Members.Member::id, Members.Member::host)));
            GrpcConfigKeys.Server.setServicesCustomizer(p, (builder, types) -> builder.intercept(identity));
        });
        return p;
    }

    /**
     * Refuses settings out of range, and members on other hosts unless TLS guards the Raft port or the network is
     * said to.
     */
    private void check(Members members, boolean tls) {
        Duration timeout = config.electionTimeout();
        if (timeout.compareTo(Duration.ofMillis(100)) < 0 || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new IllegalArgumentException("fastworker.cluster.election-timeout must be from 100ms to 1m, got "
                    + timeout);
        }
        if (config.snapshotEvery() < 100 || config.snapshotEvery() > 1_000_000_000L) {
            throw new IllegalArgumentException("fastworker.cluster.snapshot-every must be from 100 to 1000000000, "
                    + "got " + config.snapshotEvery());
        }
        List<String> remote = members.byId().values().stream().filter(m -> !loopback(m.host()))
                .map(Members.Member::address).sorted().toList();
        if (tls) {
            return;
        }
        if (!remote.isEmpty() && !config.openToNetwork()) {
            throw new IllegalArgumentException("fastworker.cluster.members lists addresses that are not loopback "
                    + remote + ", and without TLS the Raft port has no authentication: anyone who reaches it can "
                    + "take part in the cluster. Give the members certificates (fastworker.cluster.tls.cert, .key "
                    + "and .ca), or keep everyone but the members away from it (a NetworkPolicy, a firewall) and set "
                    + "fastworker.cluster.open-to-network=true");
        }
        if (!remote.isEmpty()) {
            LOG.warnf("Cluster: fastworker.cluster.open-to-network=true: the Raft port accepts any peer that reaches "
                    + "it; only the network keeps others away");
        }
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private RaftProperties properties(Members.Member self, Path dir, ClusterConfig.Transport transport) {
        RaftProperties p = new RaftProperties();
        if (transport == ClusterConfig.Transport.GRPC) {
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
            GrpcConfigKeys.Server.setHost(p, self.host()); // its own address only, not every interface
            GrpcConfigKeys.Server.setPort(p, self.port());
            GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("40MB")); // above an entry's largest
        } else {
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
            NettyConfigKeys.Server.setHost(p, self.host());
            NettyConfigKeys.Server.setPort(p, self.port());
        }
        RaftServerConfigKeys.setStorageDir(p, List.of(dir.toFile()));
        long timeout = config.electionTimeout().toMillis();
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(timeout, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * timeout, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(timeout, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p,
                TimeDuration.valueOf(2 * timeout, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, config.snapshotEvery());
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("64MB"));
        // an entry is at most a few MiB (see the engine's Proposals) unless one task alone is larger
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("32MB"));
        RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("33MB"));
        // A snapshot trims the log only as far as every member has it: a member that was away a while catches up from
        // the log, and is sent a snapshot (which restarts it) only when it was wiped.
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, false);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setQueueByteLimit(p, SizeInBytes.valueOf("256MB"));
        return p;
    }

    private long currentTerm() {
        try {
            return server.getDivision(GROUP).getInfo().getCurrentTerm();
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public CompletableFuture<Void> propose(byte[] entry) {
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(clientId)
                .setServerId(server.getId()).setGroupId(GROUP).setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(entry)))
                .setType(RaftClientRequest.writeRequestType()).build();
        try {
            return server.submitClientRequestAsync(request).thenApply(RatisReplication::committed);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static Void committed(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            Exception why = reply.getException();
            throw new IllegalStateException("not committed: " + (why == null ? "refused" : why.getMessage()), why);
        }
        return null;
    }

    /**
     * The leader as this member knows it: none while it stands for election, or while it has not heard from the
     * leader it knew for twice the election timeout (it may be gone, and a follower alone never learns otherwise).
     */
    @Override
    public Optional<Leader> leader() {
        RaftPeerId id = leaderId;
        if (id == null || members == null || !heardFrom(id)) {
            return Optional.empty();
        }
        Members.Member m = members.byId().get(id.toString());
        return m == null ? Optional.empty() : Optional.of(new Leader(m.id(), m.apiUrl(), currentTerm()));
    }

    private boolean heardFrom(RaftPeerId id) {
        RoleInfoProto role;
        try {
            role = server.getDivision(GROUP).getInfo().getRoleInfoProto();
        } catch (IOException e) {
            return false;
        }
        if (role.getRole() == RaftPeerRole.LEADER) {
            return id.equals(server.getId());
        }
        if (role.getRole() != RaftPeerRole.FOLLOWER || !role.hasFollowerInfo()
                || !role.getFollowerInfo().hasLeaderInfo()) {
            return false;
        }
        return role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs() <= answeredWithinMs();
    }

    /** How recently a member must have been heard from to count as there: twice the election timeout. */
    private long answeredWithinMs() {
        return 2 * config.electionTimeout().toMillis();
    }

    @Override
    public long appliedIndex() {
        ReplicaStateMachine m = machine;
        TermIndex last = m == null ? null : m.getLastAppliedTermIndex();
        return last == null ? -1 : last.getIndex();
    }

    @Override
    public long term() {
        return currentTerm();
    }

    @Override
    public String problem() {
        RaftServer s = server;
        if (s == null) {
            return null;
        }
        try {
            LifeCycle.State state = s.getDivision(GROUP).getInfo().getLifeCycleState();
            return state.isClosingOrClosed() || state == LifeCycle.State.EXCEPTION
                    ? "cluster: this member's Raft server is " + state : null;
        } catch (IOException e) {
            return "cluster: this member's Raft server is gone (" + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        if (laggards != null) {
            laggards.close();
        }
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                LOG.warnf("Cluster: closing the Raft server failed: %s", e.toString());
            }
        }
    }

    private static String hostName() {
        String host = System.getenv("HOSTNAME");
        if (host != null && !host.isBlank()) {
            return host;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("fastworker.cluster.member-id is unset and the host name is unknown", e);
        }
    }
}
