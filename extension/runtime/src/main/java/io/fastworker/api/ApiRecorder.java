package io.fastworker.api;

import io.quarkus.runtime.annotations.Recorder;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Supplier;

/** Hands the routes the build found to the runtime, and makes the handlers of the dashboard's paths. */
@Recorder
public class ApiRecorder {

    /**
     * What the dashboard's pages may load and talk to: their own origin only (scripts never inline), never framed.
     */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' "
            + "'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";

    /** @param routes {@code "METHOD /path"} of every resource method of FastWorker's API */
    public Supplier<ApiRoutes> routes(List<String> routes) {
        ApiRoutes built = new ApiRoutes(routes);
        return () -> built;
    }

    /** Answers with a redirect to {@code target} (an absolute path), keeping the query. */
    public Handler<RoutingContext> redirectTo(String target) {
        return rc -> {
            String query = rc.request().query();
            rc.response().setStatusCode(302).putHeader("Location", query == null ? target : target + "?" + query)
                    .putHeader("Content-Length", "0").end();
        };
    }

    /** Adds the dashboard's security headers to what is served below {@code /ui/}, then lets it be served. */
    public Handler<RoutingContext> dashboardHeaders() {
        return rc -> {
            rc.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer");
            rc.next();
        };
    }
}
