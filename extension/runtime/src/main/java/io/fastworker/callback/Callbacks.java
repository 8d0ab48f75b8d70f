package io.fastworker.callback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.CallbackStatus;
import io.fastworker.engine.TaskEndListener;
import io.fastworker.engine.TaskSpec;
import io.fastworker.engine.TaskView;
import io.fastworker.telemetry.TaskMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Delivers completion callbacks: when a task that asked for one ends in one of its events, its final state (the
 * JSON of {@code GET /tasks/{id}}) is POSTed to the callback URL.
 *
 * <p>Guarantees: delivery never delays the task, the queue or another callback: at most
 * {@code fastworker.callbacks.concurrency} are in flight, each attempt bounded by {@code timeout}, and at most
 * {@code queue-capacity} wait (past it a callback is dropped, with a WARN). A delivery is retried with backoff while
 * the receiver answers 5xx or 429 or does not answer, up to {@code max-attempts}; any 2xx delivers it, any other
 * answer fails it. Redirects are not followed. Each request is signed with {@code fastworker.callbacks.secret} and
 * carries the task's trace context ({@code traceparent}). Delivery is at-least-once while the control plane runs
 * (a receiver may see a delivery again after a timeout); a delivery pending when it stops is dropped.
 */
@ApplicationScoped
public class Callbacks implements TaskEndListener {

    /** The header of the signature: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}. */
    public static final String SIGNATURE = "FastWorker-Signature";
    private static final Logger LOG = Logger.getLogger(Callbacks.class);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(1);

    @Inject
    Vertx vertx;

    @Inject
    FastWorkerConfig.Callbacks callbacksSettings;

    @Inject
    ObjectMapper mapper;

    @Inject
    TaskMetrics metrics;

    private final ArrayDeque<Delivery> ready = new ArrayDeque<>();
    private int inFlight;
    private int pending;
    private HttpClient http;
    private volatile boolean stopped;

    /** One callback of one task, through its attempts. */
    private static final class Delivery {
        final String taskId;
        final CallbackStatus status;
        final byte[] body;
        final Map<String, String> trace;

        Delivery(String taskId, CallbackStatus status, byte[] body, Map<String, String> trace) {
            this.taskId = taskId;
            this.status = status;
            this.body = body;
            this.trace = trace;
        }

        String describe() {
            return "Task(id=" + taskId + ") callback to " + status.callback().shownUrl();
        }
    }

    @Override
    public void taskEnded(TaskView view, TaskSpec spec, Map<String, String> trace, boolean afterRestart) {
        CallbackStatus status = view.callback();
        if (status == null || afterRestart) {
            return;
        }
        if (!status.callback().events().contains(view.status())) {
            status.moveTo(CallbackStatus.State.NOT_SENT);
            return;
        }
        status.moveTo(CallbackStatus.State.PENDING);
        byte[] body;
        try {
            body = mapper.writeValueAsBytes(view);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Delivery d = new Delivery(view.id(), status, body, trace);
        boolean queued;
        synchronized (this) {
            queued = !stopped && pending < callbacksSettings.queueCapacity();
            if (queued) {
                pending++;
                ready.add(d);
            }
        }
        if (!queued) {
            status.moveTo(CallbackStatus.State.DROPPED);
            metrics.callback("dropped");
            LOG.warnf("%s dropped: %d deliveries are pending (fastworker.callbacks.queue-capacity)", d.describe(),
                    callbacksSettings.queueCapacity());
            return;
        }
        pump();
    }

    /** Starts waiting deliveries while fewer than the allowed number are in flight. */
    private void pump() {
        List<Delivery> go = new ArrayList<>();
        synchronized (this) {
            while (inFlight < callbacksSettings.concurrency() && !ready.isEmpty()) {
                inFlight++;
                go.add(ready.poll());
            }
        }
        go.forEach(this::send);
    }

    private synchronized HttpClient http() {
        if (http == null) {
            int timeout = (int) callbacksSettings.timeout().toMillis();
            http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(timeout)
                    .setMaxPoolSize(callbacksSettings.concurrency()).setKeepAlive(true));
        }
        return http;
    }

    /** What a submitter sees of an attempt that got no answer: nothing about the address or its ports. */
    static final String NO_ANSWER = "no answer (could not connect, or timed out)";

    private void send(Delivery d) {
        String host = d.status.callback().url().getHost();
        java.util.Optional<List<String>> allowed = callbacksSettings.allowedHosts();
        if (!CallbackTargets.allowed(host, allowed)) {
            attempted(d, null, "its host is no longer in fastworker.callbacks.allowed-hosts", null, false);
            return;
        }
        if (allowed.isPresent()) {
            send(d, null); // a host the operator named: internal or not, as it resolves
            return;
        }
        // Resolved here and connected to as resolved: a public address only (see CallbackTargets).
        vertx.executeBlocking(() -> java.net.InetAddress.getAllByName(host), false).onComplete(ar -> {
            if (ar.failed()) {
                attempted(d, null, NO_ANSWER, "cannot resolve " + host + ": " + ar.cause(), true);
                return;
            }
            for (java.net.InetAddress a : ar.result()) {
                String internal = CallbackTargets.internal(a);
                if (internal != null) {
                    attempted(d, null, "refused: its host resolves to an address that is not public; name the host "
                            + "in fastworker.callbacks.allowed-hosts to call it", host + " resolves to " + internal,
                            false);
                    return;
                }
            }
            send(d, ar.result()[0]);
        });
    }

    /** One attempt, to {@code address} when given (else as the URL's host resolves). */
    private void send(Delivery d, java.net.InetAddress address) {
        long timeout = callbacksSettings.timeout().toMillis();
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(d.status.callback().url().toString()).setConnectTimeout(timeout)
                .setIdleTimeout(timeout).setFollowRedirects(false)
                .putHeader("Content-Type", "application/json").putHeader("User-Agent", "fastworker-callback")
                .putHeader("FastWorker-Task-Id", d.taskId);
        if (address != null) {
            java.net.URI url = d.status.callback().url();
            int port = url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
            o.setServer(io.vertx.core.net.SocketAddress.inetSocketAddress(port, address.getHostAddress()));
        }
        callbacksSettings.secret().ifPresent(secret -> o.putHeader(SIGNATURE, signature(secret, d.body)));
        String traceparent = d.trace.get("traceparent");
        if (traceparent != null) {
            o.putHeader("traceparent", traceparent);
            String state = d.trace.get("tracestate");
            if (state != null) {
                o.putHeader("tracestate", state);
            }
        }
        try {
            http().request(o).compose(req -> req.send(Buffer.buffer(d.body))).onComplete(ar -> {
                if (ar.failed()) {
                    attempted(d, null, NO_ANSWER, String.valueOf(ar.cause().getMessage()), true);
                } else {
                    int code = ar.result().statusCode();
                    ar.result().body(); // read and let go of the body
                    attempted(d, code, null, null, code == 429 || code >= 500);
                }
            });
        } catch (RuntimeException e) {
            attempted(d, null, NO_ANSWER, e.toString(), false);
        }
    }

    /**
     * One attempt ended: with the receiver's status code, or with an error ({@code shown} on the task, coarse;
     * {@code logged} in the control plane's log, when it says more); retried if {@code retryable}.
     */
    private void attempted(Delivery d, Integer code, String shown, String logged, boolean retryable) {
        d.status.attempted(code, shown);
        int n = d.status.attempts();
        int max = callbacksSettings.maxAttempts();
        String what = code != null ? "HTTP " + code : logged != null ? logged : shown;
        if (code != null && code / 100 == 2) {
            d.status.moveTo(CallbackStatus.State.DELIVERED);
            metrics.callback("delivered");
            LOG.debugf("%s delivered (attempt %d/%d)", d.describe(), n, max);
            done();
        } else if (retryable && n < max && !stopped) {
            Duration backoff = callbacksSettings.retryDelay().multipliedBy(1L << Math.min(n - 1, 20));
            backoff = backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
            LOG.warnf("%s failed (%s, attempt %d/%d); retrying in %d ms", d.describe(), what, n, max,
                    backoff.toMillis());
            synchronized (this) {
                inFlight--;
            }
            vertx.setTimer(backoff.toMillis(), id -> {
                synchronized (this) {
                    ready.add(d);
                }
                pump();
            });
            pump();
        } else {
            d.status.moveTo(CallbackStatus.State.FAILED);
            metrics.callback("failed");
            LOG.errorf("%s failed (%s, attempt %d/%d); not retried", d.describe(), what, n, max);
            done();
        }
    }

    private void done() {
        synchronized (this) {
            inFlight--;
            pending--;
        }
        pump();
    }

    /** {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>}. */
    static String signature(String secret, byte[] body) {
        long t = System.currentTimeMillis() / 1000;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.UTF_8));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    @PreDestroy
    void stop() {
        List<Delivery> left;
        synchronized (this) {
            stopped = true;
            left = new ArrayList<>(ready);
            ready.clear();
        }
        for (Delivery d : left) {
            d.status.moveTo(CallbackStatus.State.DROPPED);
            metrics.callback("dropped");
        }
        if (!left.isEmpty()) {
            LOG.warnf("%d callbacks were not delivered before the control plane stopped", left.size());
        }
        HttpClient h = http;
        if (h != null) {
            h.close();
        }
    }
}
