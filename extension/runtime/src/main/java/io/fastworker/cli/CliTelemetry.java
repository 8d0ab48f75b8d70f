package io.fastworker.cli;

import io.fastworker.client.TelemetrySwitch;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.internal.grpc.GrpcExporter;
import io.opentelemetry.exporter.internal.http.HttpExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InternalTelemetryVersion;
import io.opentelemetry.sdk.internal.ComponentId;
import io.opentelemetry.sdk.internal.StandardComponentId;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.quarkus.opentelemetry.runtime.exporter.otlp.sender.VertxGrpcSender;
import io.quarkus.opentelemetry.runtime.exporter.otlp.sender.VertxHttpSender;
import io.quarkus.opentelemetry.runtime.exporter.otlp.tracing.VertxGrpcSpanExporter;
import io.quarkus.opentelemetry.runtime.exporter.otlp.tracing.VertxHttpSpanExporter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tracing for client commands, which run without booting Quarkus: with the OpenTelemetry switch on, the
 * OpenTelemetry SDK is configured from the standard {@code OTEL_*} variables, exporting over OTLP with the same
 * default as the daemons ({@code grpc} on 4317; {@code OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf} for 4318), and
 * the client library's {@code fastworker.client.submit} span of a submission is exported. Its parent is taken from the
 * {@code TRACEPARENT}/{@code TRACESTATE} environment variables, so a traced script can hand its context to the
 * command.
 *
 * <p>Guarantees: the export at the end of a command adds at most about {@link #EXPORT_BUDGET} to it; an export that
 * fails or runs out of time prints one warning line on stderr and never changes the command's exit status.
 */
final class CliTelemetry implements AutoCloseable {

    /** Longest a command waits at its end for its span to be exported. */
    static final Duration EXPORT_BUDGET = Duration.ofSeconds(1);

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

    /** The exporters' own loggers write multi-line reports on a failed export; the one warning line says it all. */
    private static final List<Logger> SILENCED = List.of(Logger.getLogger("io.opentelemetry"),
            Logger.getLogger("io.quarkus.opentelemetry"), Logger.getLogger("io.vertx"), Logger.getLogger("io.netty"));

    /** Every export's outcome, since a flush reports success even when the export behind it failed. */
    private static final class Watched implements SpanExporter {
        private final SpanExporter delegate;
        private final List<CompletableResultCode> exports = new java.util.concurrent.CopyOnWriteArrayList<>();

        Watched(SpanExporter delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableResultCode export(java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
            CompletableResultCode result = delegate.export(spans);
            exports.add(result);
            return result;
        }

        @Override
        public CompletableResultCode flush() {
            return delegate.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
            return delegate.shutdown();
        }

        /** Whether every export so far has completed successfully. */
        boolean allDelivered() {
            return exports.stream().allMatch(r -> r.isDone() && r.isSuccess());
        }
    }

    private final OpenTelemetrySdk sdk;
    private final OpenTelemetry openTelemetry;
    private final Watched exporter;
    private final Vertx vertx;
    private final String target;
    private final PrintWriter err;

    private CliTelemetry(OpenTelemetrySdk sdk, Watched exporter, Vertx vertx, String target, PrintWriter err) {
        this.sdk = sdk;
        this.exporter = exporter;
        this.openTelemetry = sdk == null ? OpenTelemetry.noop() : sdk;
        this.vertx = vertx;
        this.target = target;
        this.err = err;
    }

    static CliTelemetry open(PrintWriter err) {
        if (!TelemetrySwitch.enabled()) {
            return new CliTelemetry(null, null, null, null, err);
        }
        SILENCED.forEach(l -> l.setLevel(Level.OFF));
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.traces.exporter", "none"); // the OTLP exporter is added below, on Vert.x
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        String resource = System.getenv().getOrDefault("OTEL_RESOURCE_ATTRIBUTES", "");
        if (!resource.contains("service.name=")) {
            defaults.put("otel.service.name", "fastworker-cli");
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        String[] target = new String[1];
        Watched[] exporter = new Watched[1];
        try {
            OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder().addPropertiesSupplier(() -> defaults)
                    .addTracerProviderCustomizer((tracing, config) -> {
                        Otlp otlp = Otlp.of(config);
                        target[0] = otlp.describe();
                        exporter[0] = new Watched(otlp.exporter(vertx));
                        return tracing.addSpanProcessor(BatchSpanProcessor.builder(exporter[0])
                                .setExporterTimeout(EXPORT_BUDGET).build());
                    })
                    .build().getOpenTelemetrySdk();
            return new CliTelemetry(sdk, exporter[0], vertx, target[0], err);
        } catch (RuntimeException e) {
            vertx.close();
            err.println("Warning: tracing is off for this command: " + e.getMessage());
            return new CliTelemetry(null, null, null, null, err);
        }
    }

    /** Where spans go, from the standard variables (per-signal ones first). */
    private record Otlp(String protocol, URI endpoint, Map<String, String> headers) {

        static Otlp of(ConfigProperties config) {
            String protocol = config.getString("otel.exporter.otlp.traces.protocol",
                    config.getString("otel.exporter.otlp.protocol", "grpc"));
            if (!protocol.equals("grpc") && !protocol.equals("http/protobuf")) {
                throw new IllegalArgumentException("OTLP protocol '" + protocol + "' is not supported; use grpc or "
                        + "http/protobuf (OTEL_EXPORTER_OTLP_PROTOCOL)");
            }
            String endpoint = config.getString("otel.exporter.otlp.traces.endpoint");
            if (endpoint != null && protocol.equals("http/protobuf") && endpoint.endsWith("/v1/traces")) {
                endpoint = endpoint.substring(0, endpoint.length() - "/v1/traces".length());
            }
            if (endpoint == null) {
                endpoint = config.getString("otel.exporter.otlp.endpoint",
                        protocol.equals("grpc") ? "http://localhost:4317" : "http://localhost:4318");
            }
            Map<String, String> headers = new HashMap<>(config.getMap("otel.exporter.otlp.headers"));
            headers.putAll(config.getMap("otel.exporter.otlp.traces.headers"));
            return new Otlp(protocol, URI.create(endpoint), headers);
        }

        String describe() {
            return endpoint + " (OTLP " + protocol + ")";
        }

        SpanExporter exporter(Vertx vertx) {
            Consumer<HttpClientOptions> tls = options -> {
                if ("https".equals(endpoint.getScheme())) {
                    options.setSsl(true).setUseAlpn(true); // the JVM's trusted certificates
                }
            };
            if (protocol.equals("grpc")) {
                return new VertxGrpcSpanExporter(new GrpcExporter<>(new VertxGrpcSender(endpoint,
                        "opentelemetry.proto.collector.trace.v1.TraceService", false, EXPORT_BUDGET, headers, tls,
                        vertx), InternalTelemetryVersion.LATEST,
                        ComponentId.generateLazy(StandardComponentId.ExporterType.OTLP_GRPC_SPAN_EXPORTER),
                        MeterProvider::noop, endpoint.toASCIIString()));
            }
            return new VertxHttpSpanExporter(new HttpExporter<>(
                    ComponentId.generateLazy(StandardComponentId.ExporterType.OTLP_HTTP_SPAN_EXPORTER),
                    new VertxHttpSender(endpoint, "/v1/traces", false, EXPORT_BUDGET, headers,
                            "application/x-protobuf", tls, vertx),
                    MeterProvider::noop, InternalTelemetryVersion.LATEST, endpoint.toASCIIString()));
        }
    }

    /** The OpenTelemetry the command's client traces with (a no-op when tracing is off). */
    OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** The context in {@code TRACEPARENT}/{@code TRACESTATE}, which the command's spans continue; root if unset. */
    static Context parent() {
        return W3CTraceContextPropagator.getInstance().extract(Context.root(), System.getenv(), ENV);
    }

    /** Exports what was recorded, within {@link #EXPORT_BUDGET}; warns once on stderr if that failed. */
    @Override
    public void close() {
        if (sdk == null) {
            return;
        }
        CompletableResultCode flushed = sdk.getSdkTracerProvider().forceFlush()
                .join(EXPORT_BUDGET.toMillis(), TimeUnit.MILLISECONDS);
        if (!flushed.isSuccess() || !exporter.allDelivered()) {
            err.println("Warning: the trace of this command could not be exported to " + target + " within "
                    + EXPORT_BUDGET.toMillis() + " ms; is the collector running there?");
            err.flush();
        }
        sdk.getSdkTracerProvider().shutdown().join(100, TimeUnit.MILLISECONDS);
        vertx.close();
    }
}
