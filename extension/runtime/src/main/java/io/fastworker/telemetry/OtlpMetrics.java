package io.fastworker.telemetry;

import io.fastworker.execution.DaemonThreads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.micrometer.v1_5.OpenTelemetryMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * With the OpenTelemetry switch on, every Micrometer meter (the {@code fastworker.*} ones included) is also
 * exported over OTLP, at {@code quarkus.otel.metric.export.interval}; {@code /q/metrics} serves them either way.
 *
 * <p>Guarantees: stopping exports the latest values once, waiting at most about a second for the collector, so a
 * dead collector does not hold a stopping process (a draining subworker in a Kubernetes grace period).
 */
@ApplicationScoped
class OtlpMetrics {

    /** Longest a stopping process waits for its last metrics to be exported. */
    private static final long FINAL_EXPORT_MILLIS = 1000;

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

    void stop(@Observes ShutdownEvent event, OpenTelemetry openTelemetry) {
        if (!(openTelemetry instanceof OpenTelemetrySdk sdk)) {
            return;
        }
        SdkMeterProvider meters = sdk.getSdkMeterProvider();
        meters.forceFlush().join(FINAL_EXPORT_MILLIS, TimeUnit.MILLISECONDS);
        // Quarkus 3.33 gives the metric reader its shared executor, and the reader's shutdown waits 5 s for that
        // executor to terminate, which it never does (quarkus#56352). Shut it down aside; a later shutdown call
        // by Quarkus then returns at once.
        DaemonThreads.named("fastworker-otel-metrics-stop").newThread(meters::shutdown).start();
    }
}
