package io.fastworker.examples.signup;

import io.fastworker.client.FastWorkerClient;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** One shared client, tracing with the application's OpenTelemetry so submissions join its request spans. */
public class FastWorkerClientProducer {

    @Produces
    @Singleton
    FastWorkerClient fastWorkerClient(OpenTelemetry openTelemetry,
            @ConfigProperty(name = "fastworker.url", defaultValue = "http://localhost:8080") String url) {
        return FastWorkerClient.builder().url(url).openTelemetry(openTelemetry).build();
    }
}
