package io.fastworker.cluster;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** A control plane as a member of a cluster ({@code fastworker.cluster.*}); unset members: it runs alone. */
@ConfigMapping(prefix = "fastworker.cluster")
public interface ClusterConfig {

    /**
     * The members, each {@code id=host:port} with the Raft address the others reach it at, comma-separated, e.g.
     * {@code cp-0=fastworker-cp-0.fastworker-cp-peers:5557,cp-1=...,cp-2=...}. Three or five members; the same list
     * on every member. Unset, the control plane runs alone on its own journal.
     */
    Optional<String> members();

    /** This member's id, one of {@link #members()}; by default the host name, so one StatefulSet spec serves all. */
    Optional<String> memberId();

    /**
     * The URL each member's HTTP API answers at, {@code id=url} comma-separated, where a follower redirects
     * ({@code 307}). A member not listed: {@code http://<its Raft host>:<quarkus.http.port>}.
     */
    Optional<String> apiUrls();

    /**
     * How long a follower waits without hearing from the leader before it stands for election (at random between
     * this and twice this). Shorter fails over faster; too short for the machine's pauses elects needlessly.
     */
    @WithDefault("500ms")
    Duration electionTimeout();

    /**
     * How members talk Raft: {@code grpc} (Ratis' gRPC transport: several appends to a follower in flight at once)
     * or {@code netty} (one append to a follower at a time). BENCHMARKS.md compares them.
     */
    @WithDefault("netty")
    Transport transport();

    /** Ratis' transports. */
    enum Transport {
        GRPC, NETTY
    }

    /** After how many committed entries a follower writes a snapshot of the state and trims its log. */
    @WithDefault("100000")
    long snapshotEvery();

    /**
     * Whether members may be on other hosts, their Raft port open to any peer that reaches it. The Raft port has no
     * authentication yet: whoever reaches it can take part in the cluster. Off, every member address must be a
     * loopback address; on, the network must keep everyone but the members away from the Raft port (the {@code ha}
     * overlay's NetworkPolicy does).
     */
    @WithDefault("false")
    boolean openToNetwork();
}
