package io.fastworker.examples.signup;

import io.fastworker.client.FastWorkerClient;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One shared client on the application's own Vert.x, tracing with the application's OpenTelemetry so submissions
 * join its request spans, and sending the API key of {@code fastworker.token} (env {@code FASTWORKER_TOKEN}, e.g.
 * from a Kubernetes Secret) when there is one: a key with the {@code submit} role is all it needs.
 */
public class FastWorkerClientProducer {

    @Produces
    @Singleton
    FastWorkerClient fastWorkerClient(OpenTelemetry openTelemetry, Vertx vertx,
            @ConfigProperty(name = "fastworker.url", defaultValue = "http://localhost:8080") String url,
            @ConfigProperty(name = "fastworker.token") Optional<String> token) {
        FastWorkerClient.Builder builder = FastWorkerClient.builder().url(url).openTelemetry(openTelemetry)
                .vertx(vertx);
        token.filter(t -> !t.isBlank()).ifPresent(builder::token); // needed once the control plane has API keys
        return builder.build();
    }

    void close(@Disposes FastWorkerClient client) {
        client.close();
    }
}
