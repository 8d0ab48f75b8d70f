package io.fastworker.examples.signup;

import io.fastworker.client.FastWorkerClient;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One shared client on the application's own Vert.x, tracing with the application's OpenTelemetry so submissions
 * join its request spans.
 */
public class FastWorkerClientProducer {

    @Produces
    @Singleton
    FastWorkerClient fastWorkerClient(OpenTelemetry openTelemetry, Vertx vertx,
            @ConfigProperty(name = "fastworker.url", defaultValue = "http://localhost:8080") String url) {
        return FastWorkerClient.builder().url(url).openTelemetry(openTelemetry).vertx(vertx).build();
    }

    void close(@Disposes FastWorkerClient client) {
        client.close();
    }
}
