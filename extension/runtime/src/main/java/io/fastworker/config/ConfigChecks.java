package io.fastworker.config;

import io.fastworker.execution.TaskOptions;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Stops start-up when a setting is out of range, naming every offending property as the user writes it (and its
 * environment variable); values are never clamped.
 */
@ApplicationScoped
class ConfigChecks {

    @Inject
    FastWorkerConfig config;

    private static final Duration DAY = Duration.ofDays(1);

    private final List<String> problems = new ArrayList<>();

    /** Runs before every other start-up observer, so nothing starts on a bad setting. */
    void check(@Observes @Priority(1) StartupEvent event) {
        range("fastworker.concurrency", config.concurrency(), 1, 10_000);
        range("fastworker.queue.capacity", config.queue().capacity(), 1, 100_000_000);
        range("fastworker.result-cache.size", config.resultCache().size(), 1, 100_000_000);
        within("fastworker.result-cache.ttl", config.resultCache().ttl(), false, Duration.ofDays(366));
        within("fastworker.result-cache.sweep-interval", config.resultCache().sweepInterval(), false, DAY);
        config.limits().forEach((task, l) -> {
            String prefix = "fastworker.limits.\"" + task + "\".";
            if (l.maxConcurrency().isEmpty() && l.rate().isEmpty()) {
                fail(prefix + "max-concurrency", "or " + prefix + "rate must be set");
            }
            l.maxConcurrency().ifPresent(n -> range(prefix + "max-concurrency", n, 1,
                    io.fastworker.limit.Limit.MAX_CONCURRENCY));
            l.rate().ifPresent(r -> {
                try {
                    io.fastworker.limit.Rate.parse(r);
                } catch (IllegalArgumentException e) {
                    fail(prefix + "rate", e.getMessage());
                }
            });
        });
        range("fastworker.callbacks.max-attempts", config.callbacks().maxAttempts(), 1, 100);
        within("fastworker.callbacks.retry-delay", config.callbacks().retryDelay(), false, Duration.ofMinutes(1));
        within("fastworker.callbacks.timeout", config.callbacks().timeout(), false, Duration.ofMinutes(5));
        range("fastworker.callbacks.concurrency", config.callbacks().concurrency(), 1, 1000);
        range("fastworker.callbacks.queue-capacity", config.callbacks().queueCapacity(), 1, 10_000_000);
        range("fastworker.events.buffer", config.events().buffer(), 16, 10_000_000);
        range("fastworker.events.max-streams", config.events().maxStreams(), 1, 10_000);
        within("fastworker.events.heartbeat", config.events().heartbeat(), false, Duration.ofMinutes(5));
        config.ui().traceUrl().ifPresent(url -> {
            if (!url.contains("{traceId}") || !(url.startsWith("http://") || url.startsWith("https://"))) {
                fail("fastworker.ui.trace-url", "must be an http(s) URL holding {traceId}, got '" + url + "'");
            }
        });
        range("fastworker.result.max-size", config.result().maxSize().asLongValue(), 1024, 1L << 30);
        range("fastworker.dead-letters.max", config.deadLetters().max(), 1, 100_000_000);
        within("fastworker.dead-letters.retention", config.deadLetters().retention(), false, Duration.ofDays(3660));
        within("fastworker.idempotency.window", config.idempotency().window(), false, Duration.ofDays(366));
        range("fastworker.idempotency.max-keys", config.idempotency().maxKeys(), 1, 100_000_000);
        heapShare("fastworker.idempotency.max-bytes", config.idempotency().maxBytes());
        within("fastworker.store.sync-interval", config.store().syncInterval(), false, Duration.ofSeconds(10));
        if (config.store().compactAfter().asLongValue() < (1 << 20)) {
            fail("fastworker.store.compact-after", "must be at least 1M, got "
                    + config.store().compactAfter().asLongValue() + " bytes");
        }
        if (config.store().path().isBlank()) {
            fail("fastworker.store.path", "must not be blank");
        }
        range("fastworker.task-defaults.max-retries", config.taskDefaults().maxRetries(), 0, TaskOptions.MAX_RETRIES);
        option("fastworker.task-defaults.retry-delay", "retryDelay", config.taskDefaults().retryDelay());
        double backoff = config.taskDefaults().retryBackoff();
        if (!(backoff >= 1.0 && backoff <= TaskOptions.MAX_RETRY_BACKOFF)) {
            fail("fastworker.task-defaults.retry-backoff", "must be a number from 1.0 to "
                    + TaskOptions.MAX_RETRY_BACKOFF + ", got " + backoff);
        }
        option("fastworker.task-defaults.retry-backoff-max", "retryBackoffMax",
                config.taskDefaults().retryBackoffMax());
        option("fastworker.task-defaults.timeout", "timeout", config.taskDefaults().timeout());
        range("fastworker.api.max-batch-size", config.api().maxBatchSize(), 1, 1_000_000);
        range("fastworker.api.history-limit", config.api().historyLimit(), 1, 1_000_000);
        within("fastworker.api.max-wait", config.api().maxWait(), true, Duration.ofHours(1));
        Duration idle = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.idle-timeout", Duration.class).orElse(Duration.ofMinutes(30));
        if (config.api().maxWait().compareTo(idle) >= 0) {
            fail("fastworker.api.max-wait", "must be shorter than quarkus.http.idle-timeout (" + idle + "), which "
                    + "closes a connection that waits that long; raise QUARKUS_HTTP_IDLE_TIMEOUT too");
        }
        if (config.api().auth().jwt().enabled()) {
            org.eclipse.microprofile.config.Config c = org.eclipse.microprofile.config.ConfigProvider.getConfig();
            if (c.getOptionalValue("mp.jwt.verify.publickey.location", String.class).isEmpty()
                    && c.getOptionalValue("mp.jwt.verify.publickey", String.class).isEmpty()) {
                fail("fastworker.api.auth.jwt.enabled", "needs the identity provider's key: set "
                        + "mp.jwt.verify.publickey.location (MP_JWT_VERIFY_PUBLICKEY_LOCATION), a PEM file or a JWKS URL");
            }
        }
        heapShare("fastworker.queue.max-bytes", config.queue().maxBytes());
        heapShare("fastworker.result-cache.max-bytes", config.resultCache().maxBytes());
        heapShare("fastworker.dead-letters.max-bytes", config.deadLetters().maxBytes());
        within("fastworker.api.auth.keys-reload-interval", config.api().auth().keysReloadInterval(), false,
                Duration.ofHours(1));
        if (config.api().maxBodySize().asLongValue() < 1024) {
            fail("fastworker.api.max-body-size", "must be at least 1K, got "
                    + config.api().maxBodySize().asLongValue() + " bytes");
        }
        if (config.workerId().isPresent() && config.workerId().get().isBlank()) {
            fail("fastworker.worker-id", "must not be blank");
        }
        within("fastworker.control-plane.drain-timeout", config.controlPlane().drainTimeout(), true, DAY);
        for (String name : config.tasks().declared().orElse(java.util.List.of())) {
            if (name.isBlank() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '.'
                    || c == '-' || c == ':')) {
                fail("fastworker.tasks.declared", "must be task names (letters, digits, _ . - :), got '" + name + "'");
            }
        }
        within("fastworker.tasks.unplaced-warning", config.tasks().unplacedWarning(), false, DAY);
        config.health().port().ifPresent(port -> range("fastworker.health.port", port, 0, 65535));
        within("fastworker.health.stall-timeout", config.health().stallTimeout(), false, Duration.ofHours(1));
        range("fastworker.tasks.max-announced", config.tasks().maxAnnounced(), 1, 100_000);
        within("fastworker.tasks.forget-announced-after", config.tasks().forgetAnnouncedAfter(), false,
                Duration.ofDays(366));
        range("fastworker.link.port", config.link().port(), 0, 65535);
        within("fastworker.link.heartbeat-interval", config.link().heartbeatInterval(), false, Duration.ofHours(1));
        range("fastworker.link.missed-heartbeats", config.link().missedHeartbeats(), 1, 1000);
        within("fastworker.link.grace", config.link().grace(), true, DAY);
        range("fastworker.link.max-deliveries", config.link().maxDeliveries(), 1, 1000);
        long frame = config.link().maxFrameSize().asLongValue();
        long body = config.api().maxBodySize().asLongValue();
        if (frame < body + (64 << 10) || frame > 64 << 20) {
            fail("fastworker.link.max-frame-size", "must be from fastworker.api.max-body-size + 64K (" + (body
                    + (64 << 10)) + " bytes) to 64M, so that every accepted task fits in a frame; got " + frame
                    + " bytes");
        }
        range("fastworker.link.max-connections", config.link().maxConnections(), 1, 100_000);
        within("fastworker.link.join-timeout", config.link().joinTimeout(), false, Duration.ofMinutes(10));
        within("fastworker.link.stall-timeout", config.link().stallTimeout(), false, Duration.ofHours(1));
        within("fastworker.subworker.shutdown-timeout", config.subworker().shutdownTimeout(), false, DAY);
        within("fastworker.subworker.reconnect-min", config.subworker().reconnectMin(), false, Duration.ofHours(1));
        within("fastworker.subworker.reconnect-max", config.subworker().reconnectMax(), false, Duration.ofHours(1));
        List<Duration> buckets = config.metrics().durationBuckets();
        for (int i = 0; i < buckets.size(); i++) {
            if (buckets.get(i).isNegative() || buckets.get(i).isZero()
                    || (i > 0 && buckets.get(i).compareTo(buckets.get(i - 1)) <= 0)) {
                fail("fastworker.metrics.duration-buckets", "must be positive durations in ascending order, got "
                        + buckets);
                break;
            }
        }
        if (config.role() == Role.SUBWORKER) {
            try {
                LinkAddress address = LinkAddress.parse(config.controlPlane().address());
                FastWorkerConfig.SubworkerTls tls = config.subworker().tls();
                if (!address.tls() && (tls.trust().isPresent() || tls.cert().isPresent())) {
                    fail("fastworker.subworker.tls", "is set, but the control-plane address " + address
                            + " is plaintext; dial tls://" + address.host() + ":" + address.port());
                }
                pair("fastworker.subworker.tls", tls.cert(), tls.key());
                readable("fastworker.subworker.tls.trust", tls.trust());
            } catch (IllegalArgumentException e) {
                fail("fastworker.control-plane.address", e.getMessage());
            }
        }
        if (config.role() == Role.CONTROL_PLANE && config.link().enabled()) {
            FastWorkerConfig.LinkTls tls = config.link().tls();
            pair("fastworker.link.tls", tls.cert(), tls.key());
            readable("fastworker.link.tls.client-ca", tls.clientCa());
            if (tls.clientCa().isPresent() && tls.cert().isEmpty()) {
                fail("fastworker.link.tls.client-ca", "needs fastworker.link.tls.cert and .key: mutual TLS is TLS "
                        + "first");
            }
        }
        if (!problems.isEmpty()) {
            String message = "Invalid FastWorker configuration:\n  " + String.join("\n  ", problems);
            Logger.getLogger(ConfigChecks.class).error(message);
            throw new ConfigurationException(message);
        }
    }

    private void range(String property, long value, long min, long max) {
        if (value < min || value > max) {
            fail(property, "must be from " + min + " to " + max + ", got " + value);
        }
    }

    /** A certificate and its key: both or neither, both readable files. */
    private void pair(String prefix, java.util.Optional<String> cert, java.util.Optional<String> key) {
        if (cert.isPresent() != key.isPresent()) {
            fail(prefix + (cert.isPresent() ? ".key" : ".cert"), "must be set with " + prefix
                    + (cert.isPresent() ? ".cert" : ".key") + " (a certificate and its private key, PEM files)");
        }
        readable(prefix + ".cert", cert);
        readable(prefix + ".key", key);
    }

    private void readable(String property, java.util.Optional<String> file) {
        if (file.isPresent() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(file.get()))) {
            fail(property, "cannot read the file " + java.nio.file.Path.of(file.get()).toAbsolutePath());
        }
    }

    /** A byte bound on what the heap holds: at least 1M, and less than the heap itself. */
    private void heapShare(String property, java.util.Optional<io.quarkus.runtime.configuration.MemorySize> value) {
        if (value.isEmpty()) {
            return;
        }
        long bytes = value.get().asLongValue();
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes < 1 << 20 || bytes >= heap) {
            fail(property, "must be at least 1M and less than the maximum heap (" + heap / (1 << 20) + "M; -Xmx), got "
                    + bytes + " bytes");
        }
    }

    private void within(String property, Duration value, boolean zeroAllowed, Duration max) {
        if (value.isNegative() || (!zeroAllowed && value.isZero())) {
            fail(property, "must be " + (zeroAllowed ? "0 or more" : "a positive duration") + ", got " + value);
        } else if (value.compareTo(max) > 0) {
            fail(property, "must be at most " + max + ", got " + value);
        }
    }

    /** A default of a task option, in the range {@link TaskOptions} states for it. */
    private void option(String property, String option, Duration value) {
        String problem = TaskOptions.problem(option, value);
        if (problem != null) {
            fail(property, problem);
        }
    }

    private void fail(String property, String why) {
        String env = property.toUpperCase().replace('.', '_').replace('-', '_');
        problems.add(property + " (env " + env + ") " + why);
    }
}
