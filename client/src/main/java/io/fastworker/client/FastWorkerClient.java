package io.fastworker.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Submits tasks to a FastWorker control plane over its HTTP API. Thread-safe; create one per application and
 * share it.
 *
 * <p>Every submission ({@code delay}, {@code submit}, batches) runs in a {@code fastworker.client.submit} span, a
 * child of the span current on the calling thread, and carries the W3C trace context to the control plane, so the
 * task's dispatch and execution join the caller's trace. Without an OpenTelemetry SDK in the application this
 * costs nothing.
 *
 * <p>Delivery: once {@code delay} returns an id the control plane has accepted the task (at-least-once execution
 * from then on). When a call fails with {@link FastWorkerException#retryable()} the task was not accepted and the
 * call may be repeated; give the request an {@link TaskRequest#withId id} to make such a repeat safe.
 */
public final class FastWorkerClient {

    static final String INSTRUMENTATION = "io.fastworker.client";
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final Duration WAIT_SLICE = Duration.ofSeconds(30);
    private static final TextMapSetter<HttpRequest.Builder> HEADERS = (b, k, v) -> b.setHeader(k, v);

    private final String base;
    private final HttpClient http;
    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;
    private final Duration requestTimeout;
    private final Duration resultTimeout;

    private FastWorkerClient(Builder b) {
        this.base = b.url.endsWith("/") ? b.url.substring(0, b.url.length() - 1) : b.url;
        // HTTP/1.1: the JDK client would otherwise upgrade to cleartext HTTP/2 and funnel every call through one
        // connection (one server event loop), which is far slower for many small concurrent calls.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(b.connectTimeout)
                .build();
        this.openTelemetry = b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.get();
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
        this.requestTimeout = b.requestTimeout;
        this.resultTimeout = b.resultTimeout;
    }

    /** A client for the control plane at {@code url} (e.g. {@code http://localhost:8080}) with default settings. */
    public static FastWorkerClient create(String url) {
        return builder().url(url).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The control plane's base URL. */
    public String url() {
        return base;
    }

    // ---- submit without waiting -------------------------------------------------------------------------------

    /** Submits {@code task} with positional {@code args} and returns its id once accepted. */
    public String delay(String task, Object... args) {
        return join(delayAsync(TaskRequest.of(task, args)));
    }

    /** Submits one task and returns its id once accepted. */
    public String delay(TaskRequest request) {
        return join(delayAsync(request));
    }

    public CompletableFuture<String> delayAsync(String task, Object... args) {
        return delayAsync(TaskRequest.of(task, args));
    }

    public CompletableFuture<String> delayAsync(TaskRequest request) {
        Objects.requireNonNull(request, "request");
        return traced(request.task(), 1, span -> {
            HttpRequest.Builder post = jsonPost("/tasks", body(request));
            return send(post, requestTimeout, span).thenApply(reply -> {
                String id = reply.path("id").asText();
                span.setAttribute("fastworker.task.id", id);
                return id;
            });
        });
    }

    /** Submits all the tasks or none (when one is invalid or the queue lacks room); their ids in order. */
    public List<String> delayBatch(List<TaskRequest> requests) {
        return join(delayBatchAsync(requests));
    }

    public CompletableFuture<List<String>> delayBatchAsync(List<TaskRequest> requests) {
        if (requests == null || requests.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one request");
        }
        String name = requests.stream().map(TaskRequest::task).distinct().count() == 1 ? requests.get(0).task() : null;
        return traced(name, requests.size(), span -> {
            ArrayNode array = JSON.createArrayNode();
            requests.forEach(r -> array.add(body(r)));
            return send(jsonPost("/tasks/batch", array), requestTimeout, span).thenApply(reply -> {
                List<String> ids = new ArrayList<>(requests.size());
                reply.path("ids").forEach(id -> ids.add(id.asText()));
                return ids;
            });
        });
    }

    // ---- submit and wait --------------------------------------------------------------------------------------

    /**
     * Submits {@code task} and waits for it to end, up to the builder's result timeout; the returned result may
     * still be unfinished ({@link TaskResult#done()} false) when that time ran out.
     */
    public TaskResult submit(String task, Object... args) {
        return join(submitAsync(TaskRequest.of(task, args), resultTimeout));
    }

    public TaskResult submit(TaskRequest request, Duration wait) {
        return join(submitAsync(request, wait));
    }

    public CompletableFuture<TaskResult> submitAsync(String task, Object... args) {
        return submitAsync(TaskRequest.of(task, args), resultTimeout);
    }

    public CompletableFuture<TaskResult> submitAsync(TaskRequest request, Duration wait) {
        return delayAsync(request).thenCompose(id -> resultAsync(id, wait));
    }

    // ---- results ----------------------------------------------------------------------------------------------

    /** The task as it is now. */
    public TaskResult result(String id) {
        return join(resultAsync(id, Duration.ZERO));
    }

    /** The task once it has ended, or as it is when {@code wait} runs out. */
    public TaskResult result(String id, Duration wait) {
        return join(resultAsync(id, wait));
    }

    public CompletableFuture<TaskResult> resultAsync(String id, Duration wait) {
        Objects.requireNonNull(id, "id");
        long deadline = System.nanoTime() + wait.toNanos();
        return poll(id, deadline);
    }

    private CompletableFuture<TaskResult> poll(String id, long deadline) {
        long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        long slice = Math.min(leftMs, WAIT_SLICE.toMillis());
        HttpRequest.Builder get = HttpRequest.newBuilder(uri("/tasks/" + encode(id) + "?wait=" + slice + "ms")).GET();
        return send(get, requestTimeout.plusMillis(slice), null).thenCompose(view -> {
            TaskResult r = TaskResult.from(view);
            if (r.done() || System.nanoTime() >= deadline) {
                return CompletableFuture.completedFuture(r);
            }
            return poll(id, deadline);
        });
    }

    /** Cancels a task that has not started; false when it runs already or has ended. */
    public boolean cancel(String id) {
        try {
            join(send(HttpRequest.newBuilder(uri("/tasks/" + encode(id))).DELETE(), requestTimeout, null));
            return true;
        } catch (FastWorkerException e) {
            if (e.status() == 409) {
                return false;
            }
            throw e;
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------

    private interface SpanBody<T> {
        CompletableFuture<T> run(Span span);
    }

    private <T> CompletableFuture<T> traced(String task, int count, SpanBody<T> body) {
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

    private CompletableFuture<JsonNode> send(HttpRequest.Builder request, Duration timeout, Span span) {
        request.timeout(timeout).header("Accept", "application/json");
        if (span != null) {
            openTelemetry.getPropagators().getTextMapPropagator().inject(Context.current().with(span), request,
                    HEADERS);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        throw new FastWorkerException(0, "unreachable", "cannot reach the control plane at " + base
                                + " (" + describe(cause) + ")", cause);
                    }
                    JsonNode body = parse(response.body());
                    if (response.statusCode() / 100 != 2) {
                        JsonNode detail = body.get("detail");
                        throw new FastWorkerException(response.statusCode(), body.path("type").asText("about:blank"),
                                detail != null ? detail.asText() : "HTTP " + response.statusCode(), null);
                    }
                    if (span != null) {
                        span.setAttribute("http.response.status_code", response.statusCode());
                    }
                    return body;
                });
    }

    private HttpRequest.Builder jsonPost(String path, JsonNode body) {
        try {
            return HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new IllegalArgumentException("task arguments are not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    private static ObjectNode body(TaskRequest r) {
        ObjectNode b = JSON.createObjectNode();
        b.put("task", r.task());
        try {
            b.set("args", JSON.valueToTree(r.args()));
            if (!r.kwargs().isEmpty()) {
                b.set("kwargs", JSON.valueToTree(r.kwargs()));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("arguments of task '" + r.task() + "' are not JSON-serialisable: "
                    + e.getMessage(), e);
        }
        if (r.priority() != null) {
            b.put("priority", r.priority().wireName());
        }
        if (r.countdown() != null) {
            b.put("countdown", r.countdown().toString());
        }
        if (r.eta() != null) {
            b.put("eta", r.eta().toString());
        }
        if (r.maxRetries() != null) {
            b.put("maxRetries", r.maxRetries());
        }
        if (r.retryDelay() != null) {
            b.put("retryDelay", r.retryDelay().toString());
        }
        if (r.retryBackoff() != null) {
            b.put("retryBackoff", r.retryBackoff());
        }
        if (r.retryBackoffMax() != null) {
            b.put("retryBackoffMax", r.retryBackoffMax().toString());
        }
        if (r.timeout() != null) {
            b.put("timeout", r.timeout().toString());
        }
        if (r.id() != null) {
            b.put("id", r.id());
        }
        return b;
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

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static <T> T join(CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Settings of a {@link FastWorkerClient}; only the URL is required. */
    public static final class Builder {
        private String url;
        private OpenTelemetry openTelemetry;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration resultTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** The control plane's base URL, e.g. {@code http://localhost:8080}. */
        public Builder url(String url) {
            URI u = URI.create(Objects.requireNonNull(url, "url"));
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                throw new IllegalArgumentException("control plane URL must be http(s)://host[:port], got " + url);
            }
            this.url = url;
            return this;
        }

        /** The OpenTelemetry to trace with (e.g. Quarkus's injected bean); default {@code GlobalOpenTelemetry}. */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** Deadline of one HTTP call (a wait for a result adds the time waited). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /** How long {@code submit} waits for a result. */
        public Builder resultTimeout(Duration timeout) {
            this.resultTimeout = positive(timeout, "resultTimeout");
            return this;
        }

        public FastWorkerClient build() {
            if (url == null) {
                throw new IllegalStateException("set the control plane URL with url(...)");
            }
            return new FastWorkerClient(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
