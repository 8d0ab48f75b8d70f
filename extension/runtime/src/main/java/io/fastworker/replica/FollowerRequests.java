package io.fastworker.replica;

import io.fastworker.api.ApiRoutes;
import io.fastworker.security.Authentication;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * What a member of a cluster that does not serve answers on FastWorker's API (health, metrics, {@code /cluster} and
 * the application's own paths are its own): {@code 307} to the leader's URL, which keeps the method and body, or {@code 503} with
 * {@code Retry-After} while no leader is known or the leader is still taking up the state. Nothing is read or
 * changed here: a follower's state may lag.
 */
@ApplicationScoped
class FollowerRequests {

    /** Right after the request guard, before the body is read and before authentication. */
    static final int ORDER = Integer.MIN_VALUE + 1;

    @Inject
    Membership membership;

    @Inject
    ApiRoutes routes;

    void install(@Observes Router router) {
        if (membership.clustered()) {
            router.route().order(ORDER).handler(this::check);
        }
    }

    void check(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (membership.leading() || !routes.guards(path) || path.startsWith(Authentication.rootPath() + "q/")
                || path.equals(Authentication.rootPath() + "cluster")) {
            rc.next();
            return;
        }
        Optional<Replication.Leader> leader = membership.otherLeader();
        if (leader.isPresent()) {
            String target = leader.get().url() + rc.request().uri();
            rc.response().setStatusCode(307).putHeader("Location", target).putHeader("Content-Length", "0").end();
            return;
        }
        rc.response().putHeader("Retry-After", "1");
        Authentication.writeProblem(rc.response(), 503, "no-leader", "No leader", "this control plane is a member "
                + "of a cluster and does not serve now: " + membership.notServing() + "; retry in a second");
        rc.response().end();
    }
}
