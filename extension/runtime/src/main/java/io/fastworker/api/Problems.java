package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.fastworker.engine.DuplicateTaskIdException;
import io.fastworker.engine.IdempotencyConflictException;
import io.fastworker.engine.NotAcceptingException;
import io.fastworker.engine.QueueFullException;
import io.fastworker.engine.RetryOutcome;
import io.fastworker.engine.RetryRefusedException;
import io.fastworker.security.Authentication;
import io.fastworker.submission.InvalidSubmissionException;
import io.fastworker.telemetry.TaskMetrics;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticator;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every refusal into {@code application/problem+json} with a detail a person can act on, and counts refused
 * submissions in {@code fastworker.tasks.rejected}. (Public, as its mapper methods, only because the mapper classes
 * Quarkus generates for it may live in another class loader, as in tests.)
 */
public class Problems {

    static final String MEDIA_TYPE = "application/problem+json";
    static final String BODY_TOO_LARGE = "the request body exceeds the limit set by fastworker.api.max-body-size; "
            + "split a large batch into smaller ones";
    private static final Logger LOG = Logger.getLogger(Problems.class);

    @Inject
    TaskMetrics metrics;

    @Inject
    SecurityIdentity identity;

    @Inject
    ApiRoutes routes;

    /** A request's path below the HTTP root path, as the routes name it. */
    private static String apiPath(String path) {
        String root = Authentication.rootPath();
        return root.length() > 1 && path.startsWith(root) ? path.substring(root.length() - 1) : path;
    }

    static Response response(int status, String code, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:fastworker:problem:" + code);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.putAll(extra);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }

    /** Counts a refused submission (POST /tasks or /tasks/batch); other refused requests are not submissions. */
    private void rejected(HttpServerRequest request, String reason, int tasks) {
        if (request != null && request.method() == HttpMethod.POST && request.path().startsWith("/tasks")) {
            metrics.rejected(reason, tasks);
        }
    }

    @ServerExceptionMapper
    public Response scheduleRefused(io.fastworker.schedule.Schedules.Refused e) {
        return response(409, "schedule-conflict", "Schedule conflict", e.getMessage(), Map.of());
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, HttpServerRequest request) {
        rejected(request, e.code().replace('-', '_'), e.tasks());
        Response r = response(e.status(), e.code(), e.title(), e.getMessage(), e.extensions());
        return e.status() == 503 ? Response.fromResponse(r).header("Retry-After", "1").build() : r;
    }

    @ServerExceptionMapper
    public Response invalidSubmission(InvalidSubmissionException e, HttpServerRequest request) {
        rejected(request, e.code().replace('-', '_'), e.tasks());
        return response(400, e.code(), e.title(), e.getMessage(), e.extensions());
    }

    @ServerExceptionMapper
    public Response queueFull(QueueFullException e) {
        // counted by the engine, per task refused
        Response r = response(429, e.code(), e.code().equals("queue-full") ? "Queue full" : "Idempotency keys full",
                e.getMessage(), e.reason().endsWith("bytes") ? Map.of("maxBytes", e.value(), "limit", e.limit())
                        : Map.of("capacity", e.value(), "limit", e.limit()));
        return Response.fromResponse(r).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response notAccepting(NotAcceptingException e, HttpServerRequest request) {
        rejected(request, "not_accepting", 1);
        return Response.fromResponse(response(503, "not-accepting", "Not accepting tasks", e.getMessage(), Map.of()))
                .header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response duplicate(DuplicateTaskIdException e, HttpServerRequest request) {
        rejected(request, "duplicate_id", 1);
        return response(409, "duplicate-id", "Duplicate task id", e.getMessage(), Map.of());
    }

    @ServerExceptionMapper
    public Response idempotencyConflict(IdempotencyConflictException e, HttpServerRequest request) {
        rejected(request, "idempotency_conflict", 1);
        return response(422, "idempotency-conflict", "Idempotency key reused for another request", e.getMessage(),
                Map.of("idempotencyKey", e.key()));
    }

    @ServerExceptionMapper
    public Response retryRefused(RetryRefusedException e) {
        if (e.outcome() == RetryOutcome.NOT_FOUND) {
            return response(404, "task-not-found", "Task not found", e.getMessage(), Map.of());
        }
        return response(409, "not-failed", "Task has not failed", e.getMessage(),
                Map.of("taskStatus", e.status().wireName()));
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonProcessingException e, HttpServerRequest request) {
        rejected(request, "malformed_json", 1);
        return response(400, "malformed-json", "Malformed JSON", "the request body is not valid JSON: "
                + e.getOriginalMessage() + location(e), Map.of());
    }

    /** Also JSON that does not end where it should (two objects one after the other). */
    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e, HttpServerRequest request) {
        return malformedJson(e, request);
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    @ServerExceptionMapper
    public Response unsupportedMediaType(NotSupportedException e, HttpServerRequest request) {
        rejected(request, "unsupported_media_type", 1);
        return response(415, "unsupported-media-type", "Unsupported media type",
                "send the body as Content-Type: application/json", Map.of());
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, HttpServerRequest request) {
        String allowed = request == null ? null : routes.allowed(apiPath(request.path()));
        allowed = allowed == null ? "GET" : allowed;
        return Response.fromResponse(response(405, "method-not-allowed", "Method not allowed",
                (request == null ? "this method" : request.method().name()) + " is not allowed here; this path "
                        + "accepts " + allowed,
                Map.of())).header("Allow", allowed).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, HttpServerRequest request) {
        int status = e.getResponse().getStatus();
        if (status == 413) {
            rejected(request, "body_too_large", 1);
            return response(413, "body-too-large", "Request body too large", BODY_TOO_LARGE, Map.of());
        }
        String reason = Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        String code = reason.toLowerCase().replace(' ', '-');
        String detail = status == 404 ? routes.notFoundDetail() : String.valueOf(e.getMessage());
        return response(status, code, reason, detail, Map.of());
    }

    @ServerExceptionMapper
    public Response unreadableBody(java.io.IOException e, HttpServerRequest request) {
        if (String.valueOf(e.getMessage()).contains("too large")) {
            rejected(request, "body_too_large", 1);
            return response(413, "body-too-large", "Request body too large", BODY_TOO_LARGE, Map.of());
        }
        rejected(request, "invalid_request", 1);
        return response(400, "unreadable-body", "Unreadable body", "the request body could not be read: "
                + e.getMessage(), Map.of());
    }

    /** No key where a role is needed: {@code 401}, before anything about the request is looked at. */
    @ServerExceptionMapper
    public Uni<Response> unauthenticated(UnauthorizedException e, ResourceInfo resource, RoutingContext context) {
        if (!Authentication.guards(resource == null ? null : resource.getResourceClass())) {
            return applicationsOwnChallenge(context);
        }
        metrics.refused("unauthenticated");
        return Uni.createFrom().item(unauthenticated(Authentication.MISSING_KEY));
    }

    /**
     * Credentials refused: answered (and counted) by the authentication mechanism before the request reaches a
     * resource, which passes the failure on here too; only what has not been answered yet is answered here.
     */
    @ServerExceptionMapper
    public Uni<Response> badCredentials(AuthenticationFailedException e, ResourceInfo resource,
            RoutingContext context) {
        if (!Authentication.guards(resource == null ? null : resource.getResourceClass())) {
            return applicationsOwnChallenge(context);
        }
        if (!context.response().headWritten()) {
            metrics.refused("unauthenticated");
        }
        return Uni.createFrom().item(unauthenticated(Authentication.BAD_KEY));
    }

    private static Response unauthenticated(String detail) {
        return Response.fromResponse(response(401, "unauthenticated", "Unauthenticated", detail, Map.of()))
                .header("WWW-Authenticate", Authentication.CHALLENGE).build();
    }

    /** An application's own resource answers as Quarkus would: the challenge of the application's mechanism. */
    private static Uni<Response> applicationsOwnChallenge(RoutingContext context) {
        HttpAuthenticator authenticator = context.get(HttpAuthenticator.class.getName());
        if (authenticator == null) {
            return Uni.createFrom().item(Response.status(401).build());
        }
        return authenticator.getChallenge(context).map(c -> {
            if (c == null) {
                return Response.status(401).build();
            }
            Response.ResponseBuilder b = Response.status(c.status);
            c.getHeaders().forEach((name, value) -> b.header(name.toString(), value));
            return b.build();
        }).onFailure().recoverWithItem(() -> Response.status(401).build());
    }

    /** A key without the role the request needs: {@code 403}, whether or not what it names exists. */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, ResourceInfo resource) {
        if (!Authentication.guards(resource == null ? null : resource.getResourceClass())) {
            return Response.status(403).build(); // the application's own resource, as Quarkus answers it
        }
        metrics.refused("forbidden");
        RolesAllowed needed = resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(RolesAllowed.class);
        return response(403, "forbidden", "Forbidden", Authentication.forbidden(identity,
                needed == null ? List.of() : List.of(needed.value())),
                Map.of());
    }

    @ServerExceptionMapper(priority = 10_000)
    public Response unexpected(Throwable e) {
        LOG.error("Unexpected error while serving a request", e);
        return response(500, "internal-error", "Internal error",
                "the control plane failed to handle this request (" + e.getClass().getSimpleName()
                        + "); see its log. Accepted tasks are not affected",
                Map.of());
    }
}
