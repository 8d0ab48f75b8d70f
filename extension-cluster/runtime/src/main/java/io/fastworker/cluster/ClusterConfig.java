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
     * How members talk Raft: {@code netty} (Ratis' Netty transport, the faster) or {@code grpc} (its gRPC
     * transport, the only one that speaks TLS). Unset: {@code netty}, or {@code grpc} when {@link #tls()} is set;
     * {@code netty} with TLS is refused. BENCHMARKS.md compares them.
     */
    Optional<Transport> transport();

    /** Ratis' transports. */
    enum Transport {
        GRPC, NETTY
    }

    /** After how many committed entries a follower writes a snapshot of the state and trims its log. */
    @WithDefault("100000")
    long snapshotEvery();

    /**
     * Whether members may be on other hosts without {@link #tls()}, their Raft port open to any peer that reaches
     * it: whoever reaches a plaintext Raft port can take part in the cluster. Off, a cluster without TLS must have
     * every member address on loopback; on, the network must keep everyone but the members away from the Raft port
     * (the {@code ha} overlay's NetworkPolicy does). With TLS it is not needed.
     */
    @WithDefault("false")
    boolean openToNetwork();

    /** Mutual TLS between members: set all three, or none. */
    Tls tls();

    /**
     * The members' mutual TLS ({@code fastworker.cluster.tls.*}). Set, the Raft port speaks only TLS, and a peer
     * takes part only with a certificate signed by {@link #ca()}; each member checks that the certificate of the
     * member it dials names the host it dialled.
     */
    interface Tls {

        /** This member's certificate chain (PEM); it must name this member's Raft host (a DNS or IP SAN). */
        Optional<String> cert();

        /** The private key of {@link #cert()} (PKCS#8 PEM, as {@code openssl genpkey} writes it). */
        Optional<String> key();

        /**
         * The CA (PEM) that signs the members' certificates, and no one else's: any certificate it signed is let
         * into the cluster.
         */
        Optional<String> ca();
    }
}
