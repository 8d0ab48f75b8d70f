package io.fastworker.link;

import io.fastworker.config.FastWorkerConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.BindException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The control plane's end of the link: on {@code fastworker.link.port} it speaks the Vert.x TCP event-bus bridge
 * frame format itself, one {@link LinkConnection} per socket, with no relay and no event-bus hop.
 *
 * <p>Guarantees: at most {@code fastworker.link.max-connections} connections are open (one more is refused at
 * once); a connection that has not joined within {@code fastworker.link.join-timeout}, or that has sent part of a
 * frame and nothing more for {@code fastworker.link.stall-timeout}, is closed, so idle or half-written connections
 * cannot hold file descriptors or memory.
 */
@ApplicationScoped
public class LinkServer {

    private static final Logger LOG = Logger.getLogger(LinkServer.class);
    /** How long a connection told to close may take to read its last frame before it is cut. */
    private static final long CLOSE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    @Inject
    FastWorkerConfig.Link linkSettings;

    @Inject
    Vertx vertx;

    @Inject
    RemoteWorkers workers;

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper mapper;

    private final Set<LinkConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private NetServer server;
    private long sweeper = -1;

    /**
     * Listens for subworkers (whose messages {@link RemoteWorkers} takes once started).
     *
     * @throws ConfigurationException when the link port is in use, naming the setting to change
     */
    public void start() throws Exception {
        server = vertx.createNetServer(options()).connectHandler(this::accept);
        try {
            server.listen(linkSettings.port(), linkSettings.host()).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (rootCause(e) instanceof BindException) {
                throw new ConfigurationException("link port " + linkSettings.port() + " on " + linkSettings.host()
                        + " is in use (fastworker.link.port / FASTWORKER_LINK_PORT, --link-port)");
            }
            throw e;
        }
        sweeper = vertx.setPeriodic(250, id -> sweep());
        FastWorkerConfig.LinkTls tls = linkSettings.tls();
        LOG.infof("Link listening on %s://%s:%d for subworkers%s%s", tls.cert().isPresent() ? "tls" : "tcp",
                linkSettings.host(), server.actualPort(),
                tls.clientCa().isPresent() ? " (mutual TLS: client certificates required)" : "",
                linkSettings.token().isPresent() ? " (token required)" : "");
        if (!authenticated()) {
            if (linkSettings.openToNetwork()) {
                LOG.warnf("The link has no token and no mutual TLS, and fastworker.link.open-to-network is on: anyone "
                        + "who reaches port %d may join as a subworker, receive tasks with their arguments and report "
                        + "their results. Set fastworker.link.token (FASTWORKER_LINK_TOKEN) on the control plane and "
                        + "its subworkers", server.actualPort());
            } else {
                LOG.infof("The link has no token and no mutual TLS, so it accepts subworkers on this host only "
                        + "(loopback). Set fastworker.link.token (FASTWORKER_LINK_TOKEN) on the control plane and its "
                        + "subworkers to let subworkers on other hosts join, or fastworker.link.open-to-network=true "
                        + "to let anyone join");
            }
        }
    }

    /** Whether joining takes a secret (the token) or a client certificate (mutual TLS). */
    private boolean authenticated() {
        return linkSettings.token().isPresent() || linkSettings.tls().clientCa().isPresent();
    }

    private NetServerOptions options() {
        NetServerOptions options = new NetServerOptions().setTcpNoDelay(true);
        FastWorkerConfig.LinkTls tls = linkSettings.tls();
        if (tls.cert().isPresent()) {
            options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.cert().get())
                    .setKeyPath(tls.key().orElseThrow()));
            // A TLS handshake that never finishes holds no connection for long.
            options.setSslHandshakeTimeout(linkSettings.joinTimeout().toMillis())
                    .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
            if (tls.clientCa().isPresent()) {
                options.setClientAuth(ClientAuth.REQUIRED)
                        .setTrustOptions(new PemTrustOptions().addCertPath(tls.clientCa().get()));
            }
        }
        return options;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** The port subworkers dial (useful when configured as 0). */
    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    /** Link connections open now. */
    public int connections() {
        return open.size();
    }

    /** Stops listening and closes every subworker connection; late results after this are dropped. */
    public void stop() {
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
        if (server != null) {
            server.close();
        }
        open.forEach(LinkConnection::close);
    }

    private void accept(NetSocket socket) {
        LinkConnection c = new LinkConnection("c" + connections.incrementAndGet(), socket, workers,
                linkSettings.maxFrameSize().asLongValue(), mapper);
        if (open.size() >= linkSettings.maxConnections()) {
            c.refuse("too many link connections (fastworker.link.max-connections = "
                    + linkSettings.maxConnections() + ")");
            return;
        }
        if (!authenticated() && !linkSettings.openToNetwork()
                && !io.fastworker.security.Peers.loopback(socket.remoteAddress())) {
            c.refuse("this link has no token and no mutual TLS, so it accepts subworkers on the control plane's own "
                    + "host only: set fastworker.link.token (FASTWORKER_LINK_TOKEN) on both sides, or "
                    + "fastworker.link.open-to-network=true on the control plane");
            return;
        }
        open.add(c);
        socket.handler(c.reader);
        socket.exceptionHandler(e -> c.close());
        socket.closeHandler(v -> {
            open.remove(c);
            workers.connectionClosed(c);
        });
    }

    /** Closes connections that did not join in time, stalled mid-frame, or do not read their last frame. */
    private void sweep() {
        long now = System.nanoTime();
        long join = linkSettings.joinTimeout().toNanos();
        long stall = linkSettings.stallTimeout().toNanos();
        for (LinkConnection c : open) {
            if (c.overdue(now, CLOSE_GRACE_NANOS)) {
                c.close();
            } else if (!c.joined() && now - c.openedNanos > join) {
                c.refuse("did not join within " + linkSettings.joinTimeout() + " (fastworker.link.join-timeout)");
            } else if (c.reader.pendingFor(now) > stall) {
                c.refuse("stalled in the middle of a frame for more than " + linkSettings.stallTimeout()
                        + " (fastworker.link.stall-timeout)");
            }
        }
    }
}
