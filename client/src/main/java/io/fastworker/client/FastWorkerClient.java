package io.fastworker.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
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

    private final Transport transport;
    private final Duration requestTimeout;
    private final Duration resultTimeout;

    private FastWorkerClient(Builder b) {
        this.transport = new Transport(b);
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
        return transport.base().toString();
    }

    /**
     * Closes the connections and, unless the application gave its own Vert.x, the client's event loop. Calls in
     * flight fail; later calls throw {@link IllegalStateException}. Called off any event loop, it returns once the
     * client's own event loop has stopped (at most 2 s), so a process may exit at once.
     */
    @Override
    public void close() {
        transport.close();
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
        return transport.traced(request.task(), 1, span -> {
            return transport
                    .send(transport.calls, HttpMethod.POST, "/tasks", Transport.json(RequestBodies.of(request)),
                            requestTimeout, span)
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
        return transport.traced(name, requests.size(), span -> {
            ArrayNode array = Transport.JSON.createArrayNode();
            requests.forEach(r -> array.add(RequestBodies.of(r)));
            return transport
                    .send(transport.calls, HttpMethod.POST, "/tasks/batch", Transport.json(array), requestTimeout, span)
                    .thenApply(reply -> {
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
        return resultAsync(id, ResultWait.FOREVER);
    }

    public CompletableFuture<TaskResult> resultAsync(String id, Duration wait) {
        return ResultWait.until(transport, Objects.requireNonNull(id, "id"), wait, requestTimeout);
    }

    /**
     * The tasks the control plane accepts, as {@code GET /registry} lists them: per task its {@code name},
     * {@code parameters}, {@code priority}, {@code maxRetries}, {@code timeout} and where it can run.
     */
    public JsonNode registry() {
        return call(HttpMethod.GET, "/registry", null);
    }

    /**
     * Whether the process at this client's URL says it is ready ({@code GET /q/health/ready} answers 200): false for a
     * control plane still starting, a cluster member that follows, a subworker not joined, or one not reachable.
     */
    public boolean ready() {
        try {
            call(HttpMethod.GET, "/q/health/ready", null);
            return true;
        } catch (FastWorkerException e) {
            return false;
        }
    }

    /**
     * Cancels a task: one that waits is cancelled at once; a running one is asked to stop, is {@code cancelling}
     * meanwhile, and {@code cancelled} once its attempt ends (whatever that attempt returns is dropped). False when
     * it has ended already.
     */
    public boolean cancel(String id) {
        try {
            call(HttpMethod.DELETE, "/tasks/" + Transport.encode(id), null);
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
        return TaskResult.from(
                call(HttpMethod.POST, "/tasks/" + Transport.encode(id) + "/retry", null));
    }

    /**
     * Recent tasks, newest first, as {@code GET /tasks} pages them: {@code {"total", "items": [task, ...]}}.
     * {@code filters}: {@code status}, {@code task}, {@code limit}, {@code offset} (any of them; others are refused
     * by the control plane with 400).
     */
    public JsonNode tasks(java.util.Map<String, String> filters) {
        return call(HttpMethod.GET, "/tasks" + Transport.query(filters), null);
    }

    /**
     * Failed tasks kept, newest failure first, as {@code GET /dead-letters} pages them: {@code {"total", "items"}}.
     * {@code filters}: {@code task}, {@code errorType}, {@code since}, {@code until} (ISO-8601), {@code limit},
     * {@code offset}.
     */
    public JsonNode deadLetters(java.util.Map<String, String> filters) {
        return call(HttpMethod.GET, "/dead-letters" + Transport.query(filters), null);
    }

    /**
     * Replays every dead letter that matches {@code filters} (those of {@link #deadLetters} but {@code offset}), at
     * most {@code limit} (10,000) per call, as {@code POST /dead-letters/retry} does: {@code {"count", "ids",
     * "remaining"}}. Needs the {@code admin} role.
     */
    public JsonNode retryDeadLetters(java.util.Map<String, String> filters) {
        return call(HttpMethod.POST, "/dead-letters/retry" + Transport.query(filters), null);
    }

    // ---- schedules --------------------------------------------------------------------------------------------

    /**
     * Every periodic schedule, as {@code GET /schedules} lists them: definition, {@code source}, {@code paused},
     * {@code nextFireAt} and {@code lastRun}.
     */
    public JsonNode schedules() {
        return call(HttpMethod.GET, "/schedules", null);
    }

    /**
     * Makes a periodic schedule: {@code {"id", "task", "args", "kwargs", "priority", "cron" (with "timezone") or
     * "every", "missed", "overlap"}}; returns it as made. A {@link FastWorkerException} with status 409 when the id
     * is taken, 400 naming what is wrong.
     */
    public JsonNode createSchedule(JsonNode schedule) {
        Objects.requireNonNull(schedule, "schedule");
        return call(HttpMethod.POST, "/schedules", Transport.json(schedule));
    }

    /** Deletes a schedule made through the API; a {@link FastWorkerException} with status 404 if there is none. */
    public void deleteSchedule(String id) {
        call(HttpMethod.DELETE, "/schedules/" + Transport.encode(id), null);
    }

    /** Pauses ({@code paused} true) or resumes a schedule; returns it. */
    public JsonNode pauseSchedule(String id, boolean paused) {
        return call(HttpMethod.POST, "/schedules/" + Transport.encode(id) + (paused ? "/pause" : "/resume"), null);
    }

    /** One request that is not a submission or a wait, and its JSON answer. */
    private JsonNode call(HttpMethod method, String target, Buffer body) {
        return join(transport.send(transport.calls, method, target, body, requestTimeout, null));
    }

    private static <T> T join(CompletableFuture<T> f) {
        return Transport.await(f);
    }

    /** Settings of a {@link FastWorkerClient}; only the URL is required. */
    public static final class Builder {
        String url;
        OpenTelemetry openTelemetry;
        Vertx vertx;
        int maxConnections = 64;
        Duration connectTimeout = Duration.ofSeconds(5);
        Duration requestTimeout = Duration.ofSeconds(30);
        Duration resultTimeout = Duration.ofSeconds(60);
        Supplier<String> token;
        Path trustCertificate;

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
            String checked = Transport.checkedToken(key.strip());
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
