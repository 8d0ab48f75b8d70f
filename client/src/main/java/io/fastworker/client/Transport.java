package io.fastworker.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The client's one way to the control plane: its connections (one pool for calls, one for long polls, so that
 * waiting for results never holds up submissions), the bearer token, the submit span and the trace context it
 * carries, and a refusal read back as a {@link FastWorkerException}.
 */
final class Transport {

    static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final TextMapSetter<RequestOptions> HEADERS = (o, k, v) -> o.putHeader(k, v);
    /** Connections kept for long polls. */
    private static final int WAIT_CONNECTIONS = 512;
    /** Longest {@link #close()} waits for its own event loop to stop. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final URI base;
    private final String path;
    private final boolean ssl;
    private final Vertx vertx;
    private final boolean ownVertx;
    /** How many redirects a request follows (a follower's answer points at the leader: one is enough). */
    static final int REDIRECTS = 3;

    final HttpClient calls;
    final HttpClient waits;
    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;
    private final Duration connectTimeout;
    private final Supplier<String> token;
    private volatile boolean closed;
    /** The own event loop's thread, which {@link #close()} waits to end. */
    private volatile Thread loop;

    Transport(FastWorkerClient.Builder b) {
        this.base = URI.create(b.url);
        String p = base.getRawPath() == null ? "" : base.getRawPath();
        this.path = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        this.ssl = "https".equals(base.getScheme());
        this.ownVertx = b.vertx == null;
        this.vertx = ownVertx ? Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)))
                : b.vertx;
        if (ownVertx) {
            vertx.nettyEventLoopGroup().execute(() -> loop = Thread.currentThread());
        }
        HttpClientOptions options = new HttpClientOptions().setDefaultHost(base.getHost())
                .setDefaultPort(base.getPort() != -1 ? base.getPort() : ssl ? 443 : 80).setSsl(ssl)
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, b.connectTimeout.toMillis()))
                .setKeepAlive(true).setTcpNoDelay(true);
        // With https, the host name is verified, against the JVM's trusted CAs or the one certificate given.
        if (ssl && b.trustCertificate != null) {
            options.setTrustOptions(new PemTrustOptions().addCertPath(b.trustCertificate.toString()));
        }
        this.calls = vertx.createHttpClient(new HttpClientOptions(options).setName("fastworker-client"),
                new PoolOptions().setHttp1MaxSize(b.maxConnections));
        this.waits = vertx.createHttpClient(new HttpClientOptions(options).setName("fastworker-client-waits"),
                new PoolOptions().setHttp1MaxSize(WAIT_CONNECTIONS));
        this.openTelemetry = b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.get();
        this.tracer = openTelemetry.getTracer(FastWorkerClient.INSTRUMENTATION);
        this.connectTimeout = b.connectTimeout;
        this.token = b.token;
    }

    URI base() {
        return base;
    }

    /**
     * Closes the connections and, unless it was the application's, the event loop: called off any event loop, it
     * returns once that loop has stopped (at most {@link #CLOSE_WAIT}), so that a process exiting next does not wait
     * for it (the JVM gives threads still in native code up to 300 ms to stop before it exits).
     */
    void close() {
        closed = true;
        calls.close();
        waits.close();
        if (ownVertx) {
            CompletableFuture<Void> stopped = vertx.close().toCompletionStage().toCompletableFuture();
            if (!io.vertx.core.Context.isOnEventLoopThread()) {
                long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
                try {
                    stopped.get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                    // the loop completes the close from its own thread, then ends that thread
                    Thread t = loop;
                    if (t != null) {
                        t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (ExecutionException | TimeoutException e) {
                    // closed as far as it goes: nothing of ours waits on it
                }
            }
        }
    }

    interface SpanBody<T> {
        CompletableFuture<T> run(Span span);
    }

    <T> CompletableFuture<T> traced(String task, int count, SpanBody<T> body) {
        Span span = tracer.spanBuilder("fastworker.client.submit").setSpanKind(SpanKind.PRODUCER)
                .setParent(Context.current()).startSpan();
        if (task != null) {
            span.setAttribute("fastworker.task.name", task);
        }
        if (count != 1) {
            span.setAttribute("fastworker.batch.size", count);
        }
        CompletableFuture<T> result;
        try {
            result = body.run(span);
        } catch (RuntimeException e) {
            end(span, e);
            throw e;
        }
        return result.whenComplete((v, e) -> end(span, e));
    }

    private static void end(Span span, Throwable error) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            span.setStatus(StatusCode.ERROR, cause.getMessage() == null ? "" : cause.getMessage());
            span.recordException(cause);
        }
        span.end();
    }

    CompletableFuture<JsonNode> send(HttpClient client, HttpMethod method, String target, Buffer body,
            Duration timeout, Span span) {
        if (closed) {
            throw new IllegalStateException("this FastWorkerClient is closed");
        }
        RequestOptions request = new RequestOptions().setMethod(method).setURI(path + target)
                .setConnectTimeout(connectTimeout.toMillis()).setIdleTimeout(timeout.toMillis())
                .putHeader("Accept", "application/json");
        String key = token == null ? null : token.get();
        if (key != null && !key.isEmpty()) {
            request.putHeader("Authorization", "Bearer " + checkedToken(key));
        }
        if (body != null) {
            request.putHeader("Content-Type", "application/json");
        }
        if (span != null) {
            openTelemetry.getPropagators().getTextMapPropagator().inject(Context.current().with(span), request,
                    HEADERS);
        }
        return exchange(client, request, body, span, 0).handle((reply, error) -> {
            if (error == null) {
                return reply;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause()
                    : error;
            if (cause instanceof FastWorkerException refused) {
                throw refused;
            }
            throw new FastWorkerException(0, "unreachable", "cannot reach the control plane at " + base + " ("
                    + describe(cause) + ")", cause);
        });
    }

    /**
     * One request and its answer; a {@code 307} or {@code 308} (a follower of a cluster pointing at its leader) is
     * followed with the same method and body, at most {@link #REDIRECTS} times.
     */
    private CompletableFuture<JsonNode> exchange(HttpClient client, RequestOptions request, Buffer body, Span span,
            int hops) {
        // The body is asked for in the callback that receives the response, on the event loop: a step chained
        // after it could run once the body has gone by (the reply would then read as empty).
        return client.request(request)
                .compose(r -> (body == null ? r.send() : r.send(body)).compose(response -> {
                    String location = response.getHeader("Location");
                    if ((response.statusCode() == 307 || response.statusCode() == 308) && location != null
                            && hops < REDIRECTS) {
                        return response.body().map(ignored -> location);
                    }
                    return response.body().map(b -> reply(response.statusCode(), b, span));
                }))
                .toCompletionStage().toCompletableFuture().thenCompose(answer -> {
                    if (answer instanceof String location) {
                        RequestOptions next = new RequestOptions(request).setAbsoluteURI(location);
                        return exchange(client, next, body, span, hops + 1);
                    }
                    return CompletableFuture.completedFuture((JsonNode) answer);
                });
    }

    private static JsonNode reply(int status, Buffer buffer, Span span) {
        JsonNode body = parse(buffer.getBytes());
        if (status / 100 != 2) {
            JsonNode detail = body.get("detail");
            throw new FastWorkerException(status, body.path("type").asText("about:blank"),
                    detail != null ? detail.asText() : "HTTP " + status, null);
        }
        if (span != null) {
            span.setAttribute("http.response.status_code", status);
        }
        return body;
    }

    static Buffer json(JsonNode body) {
        try {
            return Buffer.buffer(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalArgumentException("task arguments are not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    private static JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    /** A key that could break out of its header line is refused, never sent. */
    static String checkedToken(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c >= 127) {
                throw new IllegalArgumentException("an API key must be printable ASCII without spaces");
            }
        }
        return key;
    }

    /** {@code filters} as a query string (those with a value, in name order), or "" when none has one. */
    static String query(Map<String, String> filters) {
        StringBuilder q = new StringBuilder();
        new TreeMap<>(filters).forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                q.append(q.length() == 0 ? "?" : "&").append(encode(k)).append('=').append(encode(v));
            }
        });
        return q.toString();
    }

    /** The outcome of {@code f}, waited for; refused on an event loop, which it would stall. */
    static <T> T await(CompletableFuture<T> f) {
        if (io.vertx.core.Context.isOnEventLoopThread()) {
            throw new IllegalStateException("a blocking FastWorkerClient call on an event loop would stall it; use "
                    + "the *Async variant there");
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A failure and its root cause (a TLS failure says what was wrong with the certificate only there). */
    private static String describe(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e || root.getMessage() == null || message.contains(root.getMessage()) ? message
                : message + ": " + root.getMessage();
    }
}
