package io.fastworker.security;

import io.fastworker.api.ApiRoutes;
import io.fastworker.telemetry.TaskMetrics;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;

/**
 * The {@code 403} of a path guarded by an HTTP permission rather than a resource's roles ({@code /q/metrics} with
 * {@code protect-metrics}, the API's description): a problem document naming the role needed, like the resources'
 * own.
 */
@ApplicationScoped
class ForbiddenAnswer {

    @Inject
    TaskMetrics metrics;

    void install(@Observes Router router) {
        for (String path : ApiRoutes.GUARDED_BESIDE) {
            router.route(path + "*").order(Integer.MIN_VALUE + 1).failureHandler(this::answer);
        }
    }

    private void answer(RoutingContext ctx) {
        if (!(ctx.failure() instanceof ForbiddenException) || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        metrics.refused("forbidden");
        SecurityIdentity identity = ctx.user() instanceof QuarkusHttpUser user ? user.getSecurityIdentity() : null;
        JsonObject problem = new JsonObject().put("type", "urn:fastworker:problem:forbidden")
                .put("title", "Forbidden").put("status", 403)
                .put("detail", Authentication.forbidden(identity, List.of(Roles.READ)));
        ctx.response().setStatusCode(403).putHeader("Content-Type", "application/problem+json")
                .end(problem.encode());
    }
}
