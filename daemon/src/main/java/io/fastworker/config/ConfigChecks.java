package io.fastworker.config;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.context.ApplicationScoped;
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

    private final List<String> problems = new ArrayList<>();

    /** Runs before every other start-up observer, so nothing starts on a bad setting. */
    void check(@Observes @Priority(1) StartupEvent event) {
        range("fastworker.concurrency", config.concurrency(), 1, 10_000);
        range("fastworker.queue.capacity", config.queue().capacity(), 1, 100_000_000);
        range("fastworker.result-cache.size", config.resultCache().size(), 1, 100_000_000);
        positive("fastworker.result-cache.ttl", config.resultCache().ttl());
        positive("fastworker.result-cache.sweep-interval", config.resultCache().sweepInterval());
        range("fastworker.task-defaults.max-retries", config.taskDefaults().maxRetries(), 0, 1000);
        notNegative("fastworker.task-defaults.retry-delay", config.taskDefaults().retryDelay());
        if (!(config.taskDefaults().retryBackoff() >= 1.0) || Double.isInfinite(config.taskDefaults().retryBackoff())) {
            fail("fastworker.task-defaults.retry-backoff", "must be a number of at least 1.0, got "
                    + config.taskDefaults().retryBackoff());
        }
        positive("fastworker.task-defaults.retry-backoff-max", config.taskDefaults().retryBackoffMax());
        positive("fastworker.task-defaults.timeout", config.taskDefaults().timeout());
        range("fastworker.api.max-batch-size", config.api().maxBatchSize(), 1, 1_000_000);
        range("fastworker.api.history-limit", config.api().historyLimit(), 1, 1_000_000);
        notNegative("fastworker.api.max-wait", config.api().maxWait());
        notNegative("fastworker.examples.welcome-email-delay", config.examples().welcomeEmailDelay());
        if (config.api().maxBodySize().asLongValue() < 1024) {
            fail("fastworker.api.max-body-size", "must be at least 1K, got "
                    + config.api().maxBodySize().asLongValue() + " bytes");
        }
        if (config.workerId().isPresent() && config.workerId().get().isBlank()) {
            fail("fastworker.worker-id", "must not be blank");
        }
        if (!config.role().equals("control-plane") && !config.role().equals("subworker")) {
            fail("fastworker.role", "must be control-plane or subworker, got '" + config.role() + "'");
        }
        range("fastworker.link.port", config.link().port(), 0, 65535);
        positive("fastworker.link.heartbeat-interval", config.link().heartbeatInterval());
        range("fastworker.link.missed-heartbeats", config.link().missedHeartbeats(), 1, 1000);
        notNegative("fastworker.link.grace", config.link().grace());
        range("fastworker.link.max-deliveries", config.link().maxDeliveries(), 1, 1000);
        if (config.link().maxFrameSize().asLongValue() < 1024 || config.link().maxFrameSize().asLongValue() > 64 << 20) {
            fail("fastworker.link.max-frame-size", "must be from 1K to 64M, got "
                    + config.link().maxFrameSize().asLongValue() + " bytes");
        }
        positive("fastworker.subworker.shutdown-timeout", config.subworker().shutdownTimeout());
        positive("fastworker.subworker.reconnect-min", config.subworker().reconnectMin());
        positive("fastworker.subworker.reconnect-max", config.subworker().reconnectMax());
        if (config.role().equals("subworker")) {
            try {
                LinkAddress.parse(config.controlPlane().address());
            } catch (IllegalArgumentException e) {
                fail("fastworker.control-plane.address", e.getMessage());
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

    private void positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            fail(property, "must be a positive duration, got " + value);
        }
    }

    private void notNegative(String property, Duration value) {
        if (value.isNegative()) {
            fail(property, "must not be negative, got " + value);
        }
    }

    private void fail(String property, String why) {
        String env = property.toUpperCase().replace('.', '_').replace('-', '_');
        problems.add(property + " (env " + env + ") " + why);
    }
}
