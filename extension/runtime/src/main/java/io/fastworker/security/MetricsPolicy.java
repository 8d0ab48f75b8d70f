package io.fastworker.security;

import io.fastworker.config.FastWorkerConfig;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * {@code /q/metrics} (named {@code fastworker-metrics} in the extension's HTTP permissions): open unless
 * {@code fastworker.api.auth.protect-metrics} is set with authentication on, then only for keys with {@code read}.
 */
@ApplicationScoped
class MetricsPolicy implements HttpSecurityPolicy {

    @Inject
    FastWorkerConfig.Api apiSettings;

    @Inject
    KeysFile keys;

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext context) {
        if (!keys.enabled() || !apiSettings.auth().protectMetrics()) {
            return CheckResult.permit();
        }
        return identity.map(i -> i.hasRole(Roles.READ) ? CheckResult.PERMIT : CheckResult.DENY);
    }

    @Override
    public String name() {
        return "fastworker-metrics";
    }
}
