package io.fastworker.security;

import io.fastworker.config.FastWorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * {@code /q/metrics} (named {@code fastworker-metrics} in the extension's HTTP permissions): open unless
 * {@code fastworker.api.auth.protect-metrics} is set with authentication on, then only for keys with {@code read}.
 */
@ApplicationScoped
class MetricsPolicy extends ReadRolePolicy {

    @Inject
    FastWorkerConfig.Api apiSettings;

    @Inject
    KeysFile keys;

    @Override
    boolean open() {
        return !keys.enabled() || !apiSettings.auth().protectMetrics();
    }

    @Override
    public String name() {
        return "fastworker-metrics";
    }
}
