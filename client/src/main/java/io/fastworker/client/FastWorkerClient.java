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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Submits tasks to a FastWorker control plane over its HTTP API. Thread-safe; create one per application, share
 * it, and {@link #close()} it when the application stops.
 *
 * <p>Every submission ({@code delay}, {@code submit}, batches) runs in a {@code fastworker.client.submit} span, a
 * child of the span current on the calling thread, and carries the W3C trace context to the control plane, so the
 * task's dispatch and execution join the caller's trace. Without an OpenTelemetry SDK in the application this
 * costs nothing.
 *
 * <p>Delivery: once {@code delay} returns an id the control plane has accepted the task (at-least-once execution
 * from then on). When a call fails with {@link FastWorkerException#retryable()} the task was not accepted and the
 * call may be repeated; give the request an {@link TaskRequest#withId id} to make such a repeat safe.
 *
 * <p>Threads: the client does its I/O on a Vert.x event loop, its own (one thread, a daemon) or the application's
 * ({@link Builder#vertx}, e.g. the one Quarkus injects). The futures of the {@code *Async} methods complete on that
 * event loop: do not block in the actions that follow them (use the JDK's {@code *Async(..., executor)} variants for
 * blocking work). The blocking methods must not be called on an event loop; they throw
 * {@link IllegalStateException} there.
 */
public final class FastWorkerClient implements AutoCloseable {

    static final String INSTRUMENTATION = "io.fastworker.client";
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final Duration WAIT_SLICE = Duration.ofSeconds(30);
    private static final Duration FOREVER = Duration.ofDays(365L * 100);
    private static final TextMapSetter<RequestOptions> HEADERS = (o, k, v) -> o.putHeader(k, v);
    /** Connections kept for long polls, so that waiting for results never holds up submissions. */
    private static final int WAIT_CONNECTIONS = 512;

    private final URI base;
    private final String path;
    private final boolean ssl;
    private final Vertx vertx;
    private final boolean ownVertx;
    private final HttpClient calls;
    private final HttpClient waits;
    private final OpenTelemetry openTelemetry;
    private final Tracer tracer;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration resultTimeout;
    private final Supplier<String> token;
    private volatile boolean closed;

    private FastWorkerClient(Builder b) {
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
        this.tracer = openTelemetry.getTracer(INSTRUMENTATION);
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.resultTimeout = b.resultTimeout;
        this.token = b.token;
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
        return base.toString();
    }

    /**
     * Closes the connections and, unless the application gave its own Vert.x, the client's event loop. Calls in
     * flight fail; later calls throw {@link IllegalStateException}.
     */
    @Override
    public void close() {
        closed = true;
        calls.close();
        waits.close();
        if (ownVertx) {
            vertx.close();
        }
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
            return send(calls, HttpMethod.POST, "/tasks", json(body(request)), requestTimeout, span)
                    .thenApply(reply -> {
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
            return send(calls, HttpMethod.POST, "/tasks/batch", json(array), requestTimeout, span).thenApply(reply -> {
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

    /**
     * Completes once the task has ended ({@code success}, {@code failure} or {@code cancelled}), however long that
     * takes, without holding a thread meanwhile; fails if the control plane does not know the task, or stops
     * answering for longer than the request timeout.
     */
    public CompletableFuture<TaskResult> whenComplete(String id) {
        return resultAsync(id, FOREVER);
    }

    public CompletableFuture<TaskResult> resultAsync(String id, Duration wait) {
        Objects.requireNonNull(id, "id");
        // A wait of centuries is a wait without end, not an overflow.
        long waitNanos = wait.isNegative() ? 0 : wait.compareTo(FOREVER) > 0 ? FOREVER.toNanos() : wait.toNanos();
        long deadline = System.nanoTime() + waitNanos;
        return poll(id, deadline);
    }

    private CompletableFuture<TaskResult> poll(String id, long deadline) {
        long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        long slice = Math.min(leftMs, WAIT_SLICE.toMillis());
        return send(slice == 0 ? calls : waits, HttpMethod.GET, "/tasks/" + encode(id) + "?wait=" + slice + "ms", null,
                requestTimeout.plusMillis(slice), null).thenCompose(view -> {
                    TaskResult r = TaskResult.from(view);
                    if (r.done() || System.nanoTime() >= deadline) {
                        return CompletableFuture.completedFuture(r);
                    }
                    return poll(id, deadline);
                });
    }

    /**
     * The tasks the control plane accepts, as {@code GET /registry} lists them: per task its {@code name},
     * {@code parameters}, {@code priority}, {@code maxRetries}, {@code timeout} and where it can run.
     */
    public JsonNode registry() {
        return join(send(calls, HttpMethod.GET, "/registry", null, requestTimeout, null));
    }

    /** Cancels a task that has not started; false when it runs already or has ended. */
    public boolean cancel(String id) {
        try {
            join(send(calls, HttpMethod.DELETE, "/tasks/" + encode(id), null, requestTimeout, null));
            return true;
        } catch (FastWorkerException e) {
            if (e.status() == 409) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Replays a failed task (kept as a dead letter on the control plane) as a new attempt of the same task: the task
     * as queued again. A {@link FastWorkerException} with status 404 when no such failed task is kept, 409 when it
     * has not failed.
     */
    public TaskResult retry(String id) {
        Objects.requireNonNull(id, "id");
        return TaskResult.from(join(send(calls, HttpMethod.POST, "/tasks/" + encode(id) + "/retry", null,
                requestTimeout, null)));
    }

    /**
     * Recent tasks, newest first, as {@code GET /tasks} pages them: {@code {"total", "items": [task, ...]}}.
     * {@code filters}: {@code status}, {@code task}, {@code limit}, {@code offset} (any of them; others are refused
     * by the control plane with 400).
     */
    public JsonNode tasks(java.util.Map<String, String> filters) {
        return join(send(calls, HttpMethod.GET, "/tasks" + query(filters), null, requestTimeout, null));
    }

    /**
     * Failed tasks kept, newest failure first, as {@code GET /dead-letters} pages them: {@code {"total", "items"}}.
     * {@code filters}: {@code task}, {@code errorType}, {@code since}, {@code until} (ISO-8601), {@code limit},
     * {@code offset}.
     */
    public JsonNode deadLetters(java.util.Map<String, String> filters) {
        return join(send(calls, HttpMethod.GET, "/dead-letters" + query(filters), null, requestTimeout, null));
    }

    private static String query(java.util.Map<String, String> filters) {
        StringBuilder q = new StringBuilder();
        new java.util.TreeMap<>(filters).forEach((k, v) -> {
            if (v != null && !v.isEmpty()) {
                q.append(q.length() == 0 ? "?" : "&").append(encode(k)).append('=').append(encode(v));
            }
        });
        return q.toString();
    }

    // ---- schedules --------------------------------------------------------------------------------------------

    /**
     * Every periodic schedule, as {@code GET /schedules} lists them: definition, {@code source}, {@code paused},
     * {@code nextFireAt} and {@code lastRun}.
     */
    public JsonNode schedules() {
        return join(send(calls, HttpMethod.GET, "/schedules", null, requestTimeout, null));
    }

    /**
     * Makes a periodic schedule: {@code {"id", "task", "args", "kwargs", "priority", "cron" (with "timezone") or
     * "every", "missed", "overlap"}}; returns it as made. A {@link FastWorkerException} with status 409 when the id
     * is taken, 400 naming what is wrong.
     */
    public JsonNode createSchedule(JsonNode schedule) {
        Objects.requireNonNull(schedule, "schedule");
        return join(send(calls, HttpMethod.POST, "/schedules", json(schedule), requestTimeout, null));
    }

    /** Deletes a schedule made through the API; a {@link FastWorkerException} with status 404 if there is none. */
    public void deleteSchedule(String id) {
        join(send(calls, HttpMethod.DELETE, "/schedules/" + encode(id), null, requestTimeout, null));
    }

    /** Pauses ({@code paused} true) or resumes a schedule; returns it. */
    public JsonNode pauseSchedule(String id, boolean paused) {
        return join(send(calls, HttpMethod.POST, "/schedules/" + encode(id) + (paused ? "/pause" : "/resume"), null,
                requestTimeout, null));
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

    private CompletableFuture<JsonNode> send(HttpClient client, HttpMethod method, String target, Buffer body,
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
        // The body is asked for in the callback that receives the response, on the event loop: a step chained
        // after it could run once the body has gone by (the reply would then read as empty).
        return client.request(request)
                .compose(r -> (body == null ? r.send() : r.send(body))
                        .compose(response -> response.body().map(b -> reply(response.statusCode(), b, span))))
                .toCompletionStage().toCompletableFuture().handle((reply, error) -> {
                    if (error == null) {
                        return reply;
                    }
                    Throwable cause = error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error;
                    if (cause instanceof FastWorkerException refused) {
                        throw refused;
                    }
                    throw new FastWorkerException(0, "unreachable", "cannot reach the control plane at " + base
                            + " (" + describe(cause) + ")", cause);
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

    private static Buffer json(JsonNode body) {
        try {
            return Buffer.buffer(JSON.writeValueAsBytes(body));
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
        if (r.idempotencyKey() != null) {
            b.put("idempotencyKey", r.idempotencyKey());
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

    private static String encode(String s) {
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

    private static <T> T join(CompletableFuture<T> f) {
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

    /** Settings of a {@link FastWorkerClient}; only the URL is required. */
    public static final class Builder {
        private String url;
        private OpenTelemetry openTelemetry;
        private Vertx vertx;
        private int maxConnections = 64;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration resultTimeout = Duration.ofSeconds(60);
        private Supplier<String> token;
        private Path trustCertificate;

        private Builder() {
        }

        /**
         * For an {@code https} URL: the CA or server certificate (PEM) to trust instead of the JVM's trusted CAs,
         * e.g. the control plane's own certificate or the private CA that signed it. The host name is verified
         * either way.
         */
        public Builder trustCertificate(Path pem) {
            if (!java.nio.file.Files.isReadable(Objects.requireNonNull(pem, "pem"))) {
                throw new IllegalArgumentException("cannot read the certificate file " + pem.toAbsolutePath());
            }
            this.trustCertificate = pem;
            return this;
        }

        /**
         * The API key sent as {@code Authorization: Bearer <key>} with every call (needed once the control plane
         * has API keys); null or blank: none. Never logged.
         */
        public Builder token(String key) {
            if (key == null || key.isBlank()) {
                this.token = null;
                return this;
            }
            String checked = checkedToken(key.strip());
            this.token = () -> checked;
            return this;
        }

        /**
         * Where each call takes its API key from, asked before every call: keys rotate without a new client (e.g.
         * read from a mounted Secret). A null or empty answer sends no key.
         */
        public Builder token(Supplier<String> keys) {
            this.token = Objects.requireNonNull(keys, "keys");
            return this;
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

        /**
         * The Vert.x to do I/O on, e.g. the application's own in Quarkus; by default the client starts its own with
         * one event loop, which {@link #close()} stops.
         */
        public Builder vertx(Vertx vertx) {
            this.vertx = Objects.requireNonNull(vertx, "vertx");
            return this;
        }

        /** Most connections open at once for submissions and reads (waits for results have their own); 64. */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1 || maxConnections > 4096) {
                throw new IllegalArgumentException("maxConnections must be 1..4096, got " + maxConnections);
            }
            this.maxConnections = maxConnections;
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
