package io.fastworker.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The link between the control plane and subworkers, seen from both ends. Part of {@link FastWorkerConfig}, under {@code fastworker.*}.
 */
public interface LinkSettings {

    /** The TCP link between the control plane and subworkers (Vert.x TCP event-bus bridge protocol). */
    Link link();

    /** A subworker's own behaviour. */
    Subworker subworker();

    interface Link {
        /** Whether the control plane listens for subworkers. */
        @WithDefault("true")
        boolean enabled();

        /** Interface the control plane's link listens on. */
        @WithDefault("0.0.0.0")
        String host();

        /** Port the control plane's link listens on (0 picks a free port). */
        @WithDefault("5555")
        @Check.Bounds(min = 0, max = 65535)
        int port();

        /** Shared secret a subworker must present on join; unset means no check. Never logged. */
        Optional<String> token();

        /**
         * Whether subworkers from other hosts may join a link that has neither a token ({@link #token()}) nor mutual
         * TLS ({@code tls.client-ca}). Off (the default), such a link accepts loopback peers only and refuses every
         * other connection, naming the settings that open it; on, anyone who reaches the port may join, take tasks
         * with their arguments and report their results, and start-up says so in a WARN.
         */
        @WithDefault("false")
        boolean openToNetwork();

        /**
         * Largest frame on the link, both ways; a larger one closes the connection that sent it. At least
         * {@code fastworker.api.max-body-size} plus 64K, so that any accepted task fits in a frame with its
         * envelope.
         */
        @WithDefault("2M")
        MemorySize maxFrameSize();

        /** Most link connections open at once; one more is refused at once. */
        @WithDefault("1000")
        @Check.Bounds(min = 1, max = 100_000)
        int maxConnections();

        /** How long a new link connection may take to join before it is closed. */
        @WithDefault("PT5S")
        @Check.Span(max = "PT10M")
        Duration joinTimeout();

        /** How long a connection may leave a frame half-sent before it is closed. */
        @WithDefault("PT10S")
        @Check.Span(max = "PT1H")
        Duration stallTimeout();

        /** How often a subworker sends a heartbeat. */
        @WithDefault("PT1S")
        @Check.Span(max = "PT1H")
        Duration heartbeatInterval();

        /** Heartbeats that may be missed before a subworker is declared lost and its tasks re-queued. */
        @WithDefault("3")
        @Check.Bounds(min = 1, max = 1000)
        int missedHeartbeats();

        /** Added to a task's timeout to get the deadline of its dispatch to a subworker. */
        @WithDefault("PT10S")
        @Check.Span(max = "P1D", zero = true)
        Duration grace();

        /**
         * Most deliveries of one task that may end with its subworker lost; the next loss fails the task with
         * error type {@code worker_lost} (a task that kills its worker is not redelivered forever).
         */
        @WithDefault("5")
        @Check.Bounds(min = 1, max = 1000)
        int maxDeliveries();

        /** TLS on the link (off unless a certificate is set). */
        LinkTls tls();
    }

    interface LinkTls {
        /**
         * The control plane's certificate chain (PEM) for the link; set with {@link #key()}, the link speaks only
         * TLS, and a plaintext client is closed at once.
         */
        Optional<String> cert();

        /** The private key (PEM, PKCS#8) of {@link #cert()}. Never logged. */
        Optional<String> key();

        /**
         * CA certificates (PEM) that sign subworkers' client certificates; set, the link is mutual TLS: a subworker
         * without a certificate signed by one of them cannot connect, and it may join only as a worker id its
         * certificate names (subject CN or a DNS SAN) or {@link #workerIds()} maps it to.
         */
        Optional<String> clientCa();

        /**
         * With mutual TLS, the worker ids a certificate may join as beyond the names it carries:
         * {@code fastworker.link.tls.worker-ids."<CN or SAN>"=id-1,id-2}.
         */
        Map<String, String> workerIds();
    }

    interface Subworker {
        /** How long a stopping subworker lets running tasks finish before it leaves. */
        @WithDefault("PT30S")
        @Check.Span(max = "P1D")
        Duration shutdownTimeout();

        /**
         * Whether task bodies run on virtual threads, a new one per attempt, where the JVM has them (Java 21+; an
         * older JVM uses platform threads whatever this says). Turn it off for bodies that keep costly objects in
         * {@code ThreadLocal}s (a virtual thread lives for one attempt) or block in native code (which pins the
         * carrier thread); on Java 21 to 23 a body blocking inside {@code synchronized} pins it too.
         */
        @WithDefault("true")
        boolean virtualThreads();

        /** First delay before reconnecting to the control plane; doubles up to {@code reconnect-max}. */
        @WithDefault("PT0.2S")
        @Check.Span(max = "PT1H")
        Duration reconnectMin();

        /** Longest delay between two reconnection attempts. */
        @WithDefault("PT5S")
        @Check.Span(max = "PT1H")
        Duration reconnectMax();

        /** TLS towards a {@code tls://} control-plane address. */
        SubworkerTls tls();
    }

    interface SubworkerTls {
        /**
         * CA certificates (PEM) the control plane's link certificate must chain to; unset, the JVM's trusted CAs.
         * The certificate must also name the host of the control-plane address.
         */
        Optional<String> trust();

        /** This subworker's client certificate chain (PEM) for a mutual-TLS link. */
        Optional<String> cert();

        /** The private key (PEM, PKCS#8) of {@link #cert()}. Never logged. */
        Optional<String> key();
    }
}
