package io.fastworker.health;

import io.fastworker.config.FastWorkerConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The probes on a port of their own ({@code fastworker.health.port}): the same answers as {@code /q/health} on the
 * API's port, and nothing else. Guarantees: probes answer while every API connection is taken; this port holds at
 * most {@value #MAX_CONNECTIONS} connections, each closed after {@value #IDLE_SECONDS} s idle, so it cannot be filled
 * for long either.
 */
@ApplicationScoped
class ProbePort {

    private static final Logger LOG = Logger.getLogger(ProbePort.class);
    static final int MAX_CONNECTIONS = 32;
    static final int IDLE_SECONDS = 5;

    @Inject
    Vertx vertx;

    @Inject
    FastWorkerConfig.Health healthSettings;

    @Inject
    SmallRyeHealthReporter reporter;

    private final AtomicInteger open = new AtomicInteger();
    private HttpServer server;

    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        if (healthSettings.port().isEmpty()) {
            return;
        }
        int port = healthSettings.port().getAsInt();
        server = vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(IDLE_SECONDS)
                .setIdleTimeoutUnit(TimeUnit.SECONDS).setMaxInitialLineLength(256).setMaxHeaderSize(4096)
                .setHttp2ClearTextEnabled(false));
        server.connectionHandler(c -> {
            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                c.close();
            }
            c.closeHandler(v -> open.decrementAndGet());
        });
        server.requestHandler(this::answer);
        try {
            server.listen(port, "0.0.0.0").toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new ConfigurationException("the probe port " + port + " is in use (fastworker.health.port / "
                    + "FASTWORKER_HEALTH_PORT)");
        }
        LOG.infof("Probes answer on port %d too (fastworker.health.port): /q/health/live, /ready, /started",
                server.actualPort());
    }

    private void answer(HttpServerRequest request) {
        Supplier<Uni<SmallRyeHealth>> check = switch (request.path()) {
            case "/q/health", "/q/health/" -> reporter::getHealthAsync;
            case "/q/health/live" -> reporter::getLivenessAsync;
            case "/q/health/ready" -> reporter::getReadinessAsync;
            case "/q/health/started" -> reporter::getStartupAsync;
            default -> null;
        };
        if (check == null || request.method() != HttpMethod.GET) {
            request.response().setStatusCode(404).putHeader("Content-Type", "text/plain")
                    .end("this port answers GET /q/health/live, /q/health/ready and /q/health/started only\n");
            return;
        }
        check.get().subscribe().with(health -> request.response().setStatusCode(health.isDown() ? 503 : 200)
                .putHeader("Content-Type", "application/json").end(health.getPayload().toString()),
                failure -> request.response().setStatusCode(503).end());
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }
}
