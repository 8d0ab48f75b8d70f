package io.fastworker.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP receiver (http/protobuf): decodes the export requests the daemons send to {@code /v1/traces}
 * and {@code /v1/metrics} with the OpenTelemetry protobuf classes and keeps what arrived.
 */
final class OtlpReceiver implements AutoCloseable {

    /** One received span, flattened: ids in hex, attribute values as strings. */
    record ReceivedSpan(String name, String traceId, String spanId, String parentSpanId, int kind, int statusCode,
            Map<String, String> attributes, Map<String, String> resource, List<String> eventValues) {

        String service() {
            return resource.get("service.name");
        }

        /** Every string the span carries to a backend (attributes, resource, events, status). */
        List<String> allValues() {
            List<String> all = new ArrayList<>(attributes.values());
            all.addAll(resource.values());
            all.addAll(eventValues);
            return all;
        }
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
    private final Set<String> metricNames = ConcurrentHashMap.newKeySet();

    private final Vertx vertx = Vertx.vertx();
    private final io.vertx.core.http.HttpServer grpcServer;

    OtlpReceiver() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", this::traces);
        server.createContext("/v1/metrics", this::metrics);
        server.start();
        grpcServer = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setHttp2ClearTextEnabled(true)).requestHandler(this::grpc).listen()
                .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The OTLP/gRPC endpoint (HTTP/2 cleartext), for {@code OTEL_EXPORTER_OTLP_PROTOCOL=grpc}. */
    String grpcEndpoint() {
        return "http://127.0.0.1:" + grpcServer.actualPort();
    }

    /** Like {@link #env} but exporting over gRPC. */
    Map<String, String> grpcEnv(String serviceName) {
        Map<String, String> env = env(serviceName);
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", grpcEndpoint());
        env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
        return env;
    }

    /** The OTLP endpoint to give the exporters ({@code OTEL_EXPORTER_OTLP_ENDPOINT}). */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Environment that turns FastWorker's telemetry on and points it here, flushing spans quickly. */
    Map<String, String> env(String serviceName) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("FASTWORKER_OTEL_ENABLED", "true");
        env.put("OTEL_SERVICE_NAME", serviceName);
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint());
        env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
        env.put("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms");
        env.put("QUARKUS_OTEL_METRIC_EXPORT_INTERVAL", "1s");
        return env;
    }

    List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    Set<String> metricNames() {
        return Set.copyOf(metricNames);
    }

    /** Waits until {@code enough} holds for the spans received, then returns them. */
    List<ReceivedSpan> await(Predicate<List<ReceivedSpan>> enough, Duration timeout, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<ReceivedSpan> now = spans();
            if (enough.test(now)) {
                return now;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("within " + timeout + " the receiver did not get " + what + "; got: "
                + spans().stream().map(s -> s.service() + "/" + s.name() + "/" + s.traceId()).toList());
    }

    private void traces(HttpExchange exchange) throws IOException {
        try (exchange) {
            acceptTraces(body(exchange));
            reply(exchange, ExportTraceServiceResponse.getDefaultInstance().toByteArray());
        }
    }

    private void acceptTraces(byte[] body) throws IOException {
        ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
        for (ResourceSpans rs : request.getResourceSpansList()) {
            Map<String, String> resource = attributes(rs.getResource());
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    List<String> events = new ArrayList<>();
                    s.getEventsList().forEach(e -> {
                        events.add(e.getName());
                        e.getAttributesList().forEach(kv -> events.add(value(kv.getValue())));
                    });
                    events.add(s.getStatus().getMessage());
                    spans.add(new ReceivedSpan(s.getName(), hex(s.getTraceId().toByteArray()),
                            hex(s.getSpanId().toByteArray()), hex(s.getParentSpanId().toByteArray()),
                            s.getKindValue(), s.getStatus().getCodeValue(), attributes(s.getAttributesList()),
                            resource, events));
                }
            }
        }
    }

    private void metrics(HttpExchange exchange) throws IOException {
        try (exchange) {
            acceptMetrics(body(exchange));
            reply(exchange, ExportMetricsServiceResponse.getDefaultInstance().toByteArray());
        }
    }

    private void acceptMetrics(byte[] body) throws IOException {
        ExportMetricsServiceRequest request = ExportMetricsServiceRequest.parseFrom(body);
        request.getResourceMetricsList().forEach(rm -> rm.getScopeMetricsList()
                .forEach(sm -> sm.getMetricsList().forEach(m -> metricNames.add(m.getName()))));
    }

    /**
     * OTLP over gRPC: an HTTP/2 (cleartext) server answering the two Export methods. A gRPC message is a 5-byte
     * prefix (compressed flag, length) and the protobuf; the status travels in the {@code grpc-status} trailer.
     */
    private void grpc(HttpServerRequest request) {
        request.body().onSuccess(buffer -> {
            HttpServerResponse response = request.response();
            try {
                byte[] all = buffer.getBytes();
                byte[] message = java.util.Arrays.copyOfRange(all, 5, all.length);
                if (request.path().endsWith("TraceService/Export")) {
                    acceptTraces(message);
                } else if (request.path().endsWith("MetricsService/Export")) {
                    acceptMetrics(message);
                }
                response.putHeader("content-type", "application/grpc")
                        .write(Buffer.buffer(new byte[] {0, 0, 0, 0, 0}));
                response.putTrailer("grpc-status", "0").end();
            } catch (IOException | RuntimeException e) {
                response.putHeader("content-type", "application/grpc").putTrailer("grpc-status", "13")
                        .putTrailer("grpc-message", String.valueOf(e.getMessage())).end();
            }
        });
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        return in.readAllBytes();
    }

    private static void reply(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private static Map<String, String> attributes(Resource resource) {
        return attributes(resource.getAttributesList());
    }

    private static Map<String, String> attributes(List<KeyValue> list) {
        Map<String, String> map = new LinkedHashMap<>();
        list.forEach(kv -> map.put(kv.getKey(), value(kv.getValue())));
        return map;
    }

    private static String value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
        };
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
        vertx.close();
    }
}
