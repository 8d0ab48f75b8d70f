package io.fastworker.api;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.telemetry.TaskMetrics;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Refuses a body announced larger than {@code fastworker.api.max-body-size} with a {@code 413} problem document
 * before any of it is read. (A chunked body without a length that grows past the limit is cut off by the HTTP
 * server itself, with a bare {@code 413}.)
 */
@ApplicationScoped
class BodyLimit {

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskMetrics metrics;

    void install(@Observes Router router) {
        long limit = config.api().maxBodySize().asLongValue();
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            if (length != null && tooLarge(length, limit)) {
                if (ctx.request().method() == HttpMethod.POST && ctx.request().path().startsWith("/tasks")) {
                    metrics.rejected("body_too_large", 1);
                }
                JsonObject problem = new JsonObject()
                        .put("type", "urn:fastworker:problem:body-too-large")
                        .put("title", "Request body too large")
                        .put("status", 413)
                        .put("detail", "the request body has " + length.trim() + " bytes, more than the limit of "
                                + limit + " (fastworker.api.max-body-size); split a large batch into smaller ones");
                ctx.response().setStatusCode(413).putHeader("Content-Type", Problems.MEDIA_TYPE)
                        .putHeader("Connection", "close").end(problem.encode());
                return;
            }
            ctx.next();
        });
    }

    private static boolean tooLarge(String length, long limit) {
        try {
            return Long.parseLong(length.trim()) > limit;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
