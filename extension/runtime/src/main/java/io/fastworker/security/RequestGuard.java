package io.fastworker.security;

import io.fastworker.api.ApiRoutes;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.telemetry.TaskMetrics;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;

/**
 * What every request meets first. Guarantees: a body announced larger than {@code fastworker.api.max-body-size} is
 * refused with {@code 413} before any of it is read (a chunked body that grows past it is cut off by the HTTP server
 * itself); a request whose body length is ambiguous (both
 * {@code Transfer-Encoding} and {@code Content-Length}, or a transfer coding other than {@code chunked}) is refused and
 * its connection closed (RFC 9112, 6.1 and 6.3), so no request can be smuggled behind it; with authentication off,
 * FastWorker's API answers loopback clients only unless {@code fastworker.api.auth.open-to-network} says otherwise (the
 * client's address is the connection's, never a header's); with authentication on, {@code OPTIONS} on FastWorker's
 * paths needs credentials like any other method.
 */
@ApplicationScoped
class RequestGuard {

    /** Before the body is read and before authentication. */
    static final int ORDER = Integer.MIN_VALUE;

    @Inject
    KeysFile keys;

    @Inject
    ApiRoutes routes;

    @Inject
    FastWorkerConfig.Api apiSettings;

    @Inject
    TaskMetrics metrics;

    void install(@Observes Router router) {
        router.route().order(ORDER).handler(this::check);
    }

    void check(RoutingContext rc) {
        HttpServerRequest request = rc.request();
        String length = request.getHeader("Content-Length");
        long limit = apiSettings.maxBodySize().asLongValue();
        if (length != null && tooLarge(length, limit)) {
            if (request.method() == HttpMethod.POST && request.path().startsWith("/tasks")) {
                metrics.rejected("body_too_large", 1);
            }
            refuse(rc, 413, "body-too-large", "Request body too large", "the request body has " + length.strip()
                    + " bytes, more than the limit of " + limit + " (fastworker.api.max-body-size); split a large "
                    + "batch into smaller ones", true);
            return;
        }
        List<String> codings = request.headers().getAll("Transfer-Encoding");
        if (!codings.isEmpty()) {
            if (request.headers().contains("Content-Length")) {
                refuse(rc, 400, "ambiguous-length", "Ambiguous body length", "a request may not carry both "
                        + "Transfer-Encoding and Content-Length (RFC 9112, section 6.3); send one", true);
                return;
            }
            if (codings.size() != 1 || !codings.get(0).strip().equalsIgnoreCase("chunked")) {
                refuse(rc, 501, "transfer-coding-not-supported", "Transfer coding not supported",
                        "Transfer-Encoding '" + String.join(", ", codings) + "' is not supported: send "
                                + "Content-Length, or 'Transfer-Encoding: chunked'",
                        true);
                return;
            }
        }
        if (routes.guards(rc.normalizedPath())) {
            if (!keys.enabled()) {
                if (!apiSettings.auth().openToNetwork() && !Peers.loopback(request.connection().remoteAddress())) {
                    metrics.refused("not_local");
                    refuse(rc, 403, "loopback-only", "Loopback clients only", "API authentication is off, so "
                            + "this control plane answers clients on its own host only; set "
                            + "fastworker.api.auth.keys-file (FASTWORKER_API_AUTH_KEYS_FILE) to require API keys, "
                            + "or fastworker.api.auth.open-to-network=true to let anyone who reaches it in", false);
                    return;
                }
            } else if (request.method() == HttpMethod.OPTIONS && request.getHeader("Authorization") == null) {
                metrics.refused("unauthenticated");
                rc.response().putHeader("WWW-Authenticate", Authentication.CHALLENGE);
                refuse(rc, 401, "unauthenticated", "Unauthenticated", Authentication.MISSING_KEY, false);
                return;
            }
        }
        rc.next();
    }

    private static boolean tooLarge(String length, long limit) {
        try {
            return Long.parseLong(length.strip()) > limit;
        } catch (NumberFormatException e) {
            return false; // the HTTP server refuses a malformed length itself
        }
    }

    private static void refuse(RoutingContext rc, int status, String code, String title, String detail,
            boolean close) {
        if (close) {
            rc.response().putHeader("Connection", "close");
        }
        Authentication.writeProblem(rc.response(), status, code, title, detail);
        rc.response().end();
        if (close) {
            rc.request().connection().close(); // after what was written: nothing sent behind it is read
        }
    }

}
