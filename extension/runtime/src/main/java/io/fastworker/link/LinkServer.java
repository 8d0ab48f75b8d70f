package io.fastworker.link;

import io.fastworker.config.FastWorkerConfig;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.bridge.BridgeOptions;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.eventbus.bridge.tcp.TcpEventBusBridge;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.BindException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The control plane's end of the link. A Vert.x TCP event-bus bridge, limited to the link protocol's
 * {@code fastworker.} addresses, serves the protocol; in front of it, on {@code fastworker.link.port}, each
 * connection passes a {@link FrameReader} that refuses bad frames (closing only that connection) and stamps every
 * message with the connection it came from, so a subworker is identified by its socket, not by what it claims.
 */
@ApplicationScoped
@RegisterForReflection(classNames = "io.vertx.ext.eventbus.bridge.tcp.impl.TcpEventBusBridgeImpl", fields = true)
public class LinkServer {

    private static final Logger LOG = Logger.getLogger(LinkServer.class);
    private static final Map<String, NetSocket> SOCKETS = new ConcurrentHashMap<>();

    @Inject
    FastWorkerConfig config;

    @Inject
    Vertx vertx;

    @Inject
    RemoteWorkers workers;

    private final AtomicLong connections = new AtomicLong();
    private TcpEventBusBridge bridge;
    private NetServer front;
    private NetClient upstream;
    private int bridgePort;

    static NetSocket socketOf(String connection) {
        return connection == null ? null : SOCKETS.get(connection);
    }

    /**
     * Listens for subworkers (whose messages {@link RemoteWorkers} takes once started).
     *
     * @throws ConfigurationException when the link port is in use, naming the setting to change
     */
    public void start() throws Exception {
        BridgeOptions options = new BridgeOptions()
                .addInboundPermitted(new PermittedOptions().setAddressRegex("fastworker\\.link\\.[a-z]+"))
                .addOutboundPermitted(new PermittedOptions().setAddressRegex("fastworker\\.worker\\..+"));
        NetServerOptions internal = new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true);
        bridge = TcpEventBusBridge.create(vertx, options, internal);
        bridge.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        bridgePort = boundPort(bridge);
        upstream = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true));
        front = vertx.createNetServer(new NetServerOptions().setTcpNoDelay(true)).connectHandler(this::accept);
        try {
            front.listen(config.link().port(), config.link().host()).toCompletionStage().toCompletableFuture()
                    .get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (rootCause(e) instanceof BindException) {
                throw new ConfigurationException("link port " + config.link().port() + " on " + config.link().host()
                        + " is in use (fastworker.link.port / FASTWORKER_LINK_PORT, --link-port)");
            }
            throw e;
        }
        LOG.infof("Link listening on tcp://%s:%d for subworkers%s", config.link().host(), front.actualPort(),
                config.link().token().isPresent() ? " (token required)" : "");
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
        return front == null ? -1 : front.actualPort();
    }

    private static int boundPort(TcpEventBusBridge bridge) throws ReflectiveOperationException {
        // TcpEventBusBridge does not expose its NetServer; the port was chosen by the OS (0).
        java.lang.reflect.Field f = bridge.getClass().getDeclaredField("server");
        f.setAccessible(true);
        return ((NetServer) f.get(bridge)).actualPort();
    }

    /** Stops listening and closes every subworker connection; late results after this are dropped. */
    public void stop() {
        if (front != null) {
            front.close();
        }
        SOCKETS.values().forEach(NetSocket::close);
        if (bridge != null) {
            bridge.close();
        }
    }

    private void accept(NetSocket client) {
        String id = "c" + connections.incrementAndGet();
        client.pause();
        upstream.connect(bridgePort, "127.0.0.1").onFailure(e -> {
            LOG.errorf("Link connection %s dropped: internal bridge unreachable (%s)", id, e.getMessage());
            client.close();
        }).onSuccess(bridgeSide -> {
            SOCKETS.put(id, client);
            FrameReader reader = new FrameReader(config.link().maxFrameSize().asLongValue(), frame -> {
                if (!frame.getString("type").equals("ping")) {
                    // Identity comes from the socket: whatever a client wrote in this header (in any case) goes.
                    JsonObject headers = new JsonObject();
                    if (frame.getValue("headers") instanceof JsonObject given) {
                        given.forEach(h -> {
                            if (!h.getKey().equalsIgnoreCase(LinkProtocol.CONNECTION_HEADER)) {
                                headers.put(h.getKey(), h.getValue());
                            }
                        });
                    }
                    headers.put(LinkProtocol.CONNECTION_HEADER, id);
                    frame.put("headers", headers);
                }
                bridgeSide.write(LinkProtocol.frame(frame));
            }, why -> {
                LOG.warnf("Link connection %s from %s closed: %s", id, client.remoteAddress(), why);
                client.write(LinkProtocol.errFrame(why)).onComplete(v -> client.close());
            });
            client.handler(reader);
            bridgeSide.handler(client::write);
            client.closeHandler(v -> {
                SOCKETS.remove(id);
                bridgeSide.close();
                workers.connectionClosed(id);
            });
            bridgeSide.closeHandler(v -> client.close());
            client.exceptionHandler(e -> client.close());
            client.resume();
        });
    }
}
