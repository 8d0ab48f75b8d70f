package io.fastworker.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * A path beside the API's resources that FastWorker guards: open while {@link #open()} says so, else only for
 * callers with the {@code read} role. (With authentication off, {@link RequestGuard} has already kept it to loopback
 * clients.)
 */
abstract class ReadRolePolicy implements HttpSecurityPolicy {

    /** Whether any caller may have it now. */
    abstract boolean open();

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext context) {
        if (open()) {
            return CheckResult.permit();
        }
        return identity.map(i -> i.hasRole(Roles.READ) ? CheckResult.PERMIT : CheckResult.DENY);
    }
}
