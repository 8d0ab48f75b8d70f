package io.fastworker.telemetry;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.micrometer.v1_5.OpenTelemetryMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * With the OpenTelemetry switch on, every Micrometer meter (the {@code fastworker.*} ones included) is also
 * exported over OTLP, at {@code quarkus.otel.metric.export.interval}; {@code /q/metrics} serves them either way.
 */
@ApplicationScoped
class OtlpMetrics {

    void start(@Observes StartupEvent event, OpenTelemetry openTelemetry, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "true") boolean sdkDisabled) {
        if (sdkDisabled) {
            return;
        }
        MeterRegistry bridge = OpenTelemetryMeterRegistry.builder(openTelemetry).build();
        if (registry instanceof CompositeMeterRegistry composite) {
            composite.add(bridge);
        } else {
            Metrics.globalRegistry.add(bridge);
        }
    }
}
