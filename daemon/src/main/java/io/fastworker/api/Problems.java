package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fastworker.engine.DuplicateTaskIdException;
import io.fastworker.engine.QueueFullException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every refusal into {@code application/problem+json} with a detail a person can act on. */
class Problems {

    static final String MEDIA_TYPE = "application/problem+json";
    private static final Logger LOG = Logger.getLogger(Problems.class);

    static Response response(int status, String code, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "urn:fastworker:problem:" + code);
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.putAll(extra);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }

    @ServerExceptionMapper
    Response problem(ProblemException e) {
        return response(e.status(), e.code(), e.title(), e.getMessage(), e.extensions());
    }

    @ServerExceptionMapper
    Response queueFull(QueueFullException e) {
        Response r = response(429, "queue-full", "Queue full", e.getMessage(), Map.of("capacity", e.capacity()));
        return Response.fromResponse(r).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    Response notAccepting(io.fastworker.engine.NotAcceptingException e) {
        return Response.fromResponse(response(503, "not-accepting", "Not accepting tasks", e.getMessage(), Map.of()))
                .header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    Response duplicate(DuplicateTaskIdException e) {
        return response(409, "duplicate-id", "Duplicate task id", e.getMessage(), Map.of());
    }

    @ServerExceptionMapper
    Response malformedJson(JsonProcessingException e) {
        return response(400, "malformed-json", "Malformed JSON", "the request body is not valid JSON: "
                + e.getOriginalMessage() + location(e), Map.of());
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    @ServerExceptionMapper
    Response unsupportedMediaType(NotSupportedException e) {
        return response(415, "unsupported-media-type", "Unsupported media type",
                "send the body as Content-Type: application/json", Map.of());
    }

    @ServerExceptionMapper
    Response notAllowed(NotAllowedException e) {
        return Response.fromResponse(response(405, "method-not-allowed", "Method not allowed",
                "this path accepts " + e.getResponse().getAllowedMethods(), Map.of()))
                .allow(e.getResponse().getAllowedMethods()).build();
    }

    @ServerExceptionMapper
    Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status == 413) {
            return response(413, "body-too-large", "Request body too large", "the request body exceeds the "
                    + "limit set by fastworker.api.max-body-size; split a large batch into smaller ones", Map.of());
        }
        String reason = Response.Status.fromStatusCode(status) == null ? "Error"
                : Response.Status.fromStatusCode(status).getReasonPhrase();
        String code = reason.toLowerCase().replace(' ', '-');
        String detail = status == 404 ? "no such resource; the API serves /tasks, /tasks/batch, /tasks/{id}, "
                + "/registry, /workers, /q/health and /q/metrics" : String.valueOf(e.getMessage());
        return response(status, code, reason, detail, Map.of());
    }

    @ServerExceptionMapper
    Response unreadableBody(java.io.IOException e) {
        if (String.valueOf(e.getMessage()).contains("too large")) {
            return response(413, "body-too-large", "Request body too large", "the request body exceeds the "
                    + "limit set by fastworker.api.max-body-size; split a large batch into smaller ones", Map.of());
        }
        return response(400, "unreadable-body", "Unreadable body", "the request body could not be read: "
                + e.getMessage(), Map.of());
    }

    @ServerExceptionMapper(priority = 10_000)
    Response unexpected(Throwable e) {
        LOG.error("Unexpected error while serving a request", e);
        return response(500, "internal-error", "Internal error",
                "the control plane failed to handle this request (" + e.getClass().getSimpleName()
                        + "); see its log. Accepted tasks are not affected", Map.of());
    }
}
