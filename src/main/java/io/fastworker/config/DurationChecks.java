package io.fastworker.config;

import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;

/** Rejects durations that make no sense at start-up, naming the property; values are never clamped. */
@Startup
@ApplicationScoped
class DurationChecks {

    @Inject
    FastWorkerConfig config;

    @PostConstruct
    void check() {
        positive("fastworker.result-cache.ttl", config.resultCache().ttl());
        positive("fastworker.result-cache.sweep-interval", config.resultCache().sweepInterval());
        notNegative("fastworker.task-defaults.retry-delay", config.taskDefaults().retryDelay());
        positive("fastworker.task-defaults.retry-backoff-max", config.taskDefaults().retryBackoffMax());
        positive("fastworker.task-defaults.timeout", config.taskDefaults().timeout());
        notNegative("fastworker.api.max-wait", config.api().maxWait());
        notNegative("fastworker.examples.welcome-email-delay", config.examples().welcomeEmailDelay());
        if (config.api().maxBodySize().asLongValue() < 1024) {
            throw new IllegalArgumentException("fastworker.api.max-body-size must be at least 1K, got "
                    + config.api().maxBodySize().asLongValue() + " bytes");
        }
    }

    private static void positive(String property, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(property + " must be a positive duration, got " + value);
        }
    }

    private static void notNegative(String property, Duration value) {
        if (value.isNegative()) {
            throw new IllegalArgumentException(property + " must not be negative, got " + value);
        }
    }
}
