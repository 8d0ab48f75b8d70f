package io.fastworker.cli;

import io.fastworker.client.TelemetrySwitch;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Tracing for client commands, which run without booting Quarkus: with the OpenTelemetry switch on, the
 * OpenTelemetry SDK is configured from the standard {@code OTEL_*} variables (exporting over OTLP
 * {@code http/protobuf}) and a submission runs in a {@code fastworker.client.submit} span. The parent is taken
 * from the {@code TRACEPARENT}/{@code TRACESTATE} environment variables, so a traced script can hand its context
 * to the command. Spans are flushed when the command ends.
 */
final class CliTelemetry implements AutoCloseable {

    private static final TextMapGetter<Map<String, String>> ENV = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier.get(key.toUpperCase(Locale.ROOT));
        }
    };

    private final OpenTelemetrySdk sdk;
    private final OpenTelemetry openTelemetry;

    private CliTelemetry(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
        this.openTelemetry = sdk == null ? OpenTelemetry.noop() : sdk;
    }

    static CliTelemetry open(PrintWriter err) {
        if (!TelemetrySwitch.enabled()) {
            return new CliTelemetry(null);
        }
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.traces.exporter", "none"); // the OTLP exporter is added below: Quarkus hides its SPI entry
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        String resource = System.getenv().getOrDefault("OTEL_RESOURCE_ATTRIBUTES", "");
        if (!resource.contains("service.name=")) {
            defaults.put("otel.service.name", "fastworker-cli");
        }
        try {
            return new CliTelemetry(AutoConfiguredOpenTelemetrySdk.builder().addPropertiesSupplier(() -> defaults)
                    .addTracerProviderCustomizer((tracing, config) -> tracing.addSpanProcessor(
                            BatchSpanProcessor.builder(exporter(config)).build()))
                    .build().getOpenTelemetrySdk());
        } catch (RuntimeException e) {
            err.println("Warning: tracing is off for this command: " + e.getMessage()
                    + " (client commands export over OTLP http/protobuf only)");
            return new CliTelemetry(null);
        }
    }

    private static SpanExporter exporter(ConfigProperties config) {
        String protocol = config.getString("otel.exporter.otlp.traces.protocol",
                config.getString("otel.exporter.otlp.protocol", "http/protobuf"));
        if (!protocol.equals("http/protobuf")) {
            throw new IllegalArgumentException("OTLP protocol '" + protocol + "' is not available in client commands;"
                    + " give them OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf and the collector's 4318 endpoint");
        }
        String endpoint = config.getString("otel.exporter.otlp.traces.endpoint");
        if (endpoint == null) {
            String base = config.getString("otel.exporter.otlp.endpoint", "http://localhost:4318");
            endpoint = (base.endsWith("/") ? base : base + "/") + "v1/traces";
        }
        OtlpHttpSpanExporterBuilder builder = OtlpHttpSpanExporter.builder().setEndpoint(endpoint);
        config.getMap("otel.exporter.otlp.headers").forEach(builder::addHeader);
        return builder.build();
    }

    /** Starts the submit span, a child of the context in {@code TRACEPARENT} if set. */
    Span startSubmit(String task) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), System.getenv(), ENV);
        return openTelemetry.getTracer("io.fastworker.cli").spanBuilder("fastworker.client.submit")
                .setSpanKind(SpanKind.PRODUCER).setParent(parent).setAttribute("fastworker.task.name", task)
                .startSpan();
    }

    /** The W3C headers that make {@code span} the parent of the control plane's work. */
    Map<String, String> headers(Span span) {
        Map<String, String> headers = new HashMap<>();
        openTelemetry.getPropagators().getTextMapPropagator().inject(Context.root().with(span), headers, Map::put);
        return headers;
    }

    static void failed(Span span, String reason) {
        span.setStatus(StatusCode.ERROR, reason);
    }

    @Override
    public void close() {
        if (sdk != null) {
            sdk.close(); // flushes the batch span processor
        }
    }
}
