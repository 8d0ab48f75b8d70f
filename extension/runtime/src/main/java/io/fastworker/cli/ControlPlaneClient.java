package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The HTTP calls the CLI makes; every call has a deadline. */
final class ControlPlaneClient {

    /** A control plane that did not answer. */
    static final class UnreachableException extends Exception {
        UnreachableException(String url, Exception cause) {
            super("cannot reach the control plane at " + url + " (" + describe(cause) + "); is it running? "
                    + "set --url or FASTWORKER_URL", cause);
        }

        private static String describe(Exception e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }

    record Reply(int status, JsonNode body) {
        boolean ok() {
            return status / 100 == 2;
        }

        /** The problem's detail, or the raw status when the body is no problem document. */
        String detail() {
            JsonNode d = body.get("detail");
            return d != null ? d.asText() : "HTTP " + status;
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http;

    ControlPlaneClient(String url) {
        this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    String url() {
        return base;
    }

    Reply get(String path) throws UnreachableException {
        return get(path, Duration.ofSeconds(30));
    }

    Reply get(String path, Duration deadline) throws UnreachableException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), deadline);
    }

    Reply delete(String path) throws UnreachableException {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), Duration.ofSeconds(30));
    }

    Reply post(String path, JsonNode body, Duration deadline) throws UnreachableException {
        return post(path, body, deadline, java.util.Map.of());
    }

    Reply post(String path, JsonNode body, Duration deadline, java.util.Map<String, String> headers)
            throws UnreachableException {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            headers.forEach(request::header);
            return send(request, deadline);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private Reply send(HttpRequest.Builder request, Duration deadline) throws UnreachableException {
        try {
            HttpResponse<byte[]> r = http.send(request.timeout(deadline).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body;
            try {
                body = r.body().length == 0 ? MissingNode.getInstance() : JSON.readTree(r.body());
            } catch (IOException e) {
                body = MissingNode.getInstance();
            }
            return new Reply(r.statusCode(), body);
        } catch (IOException e) {
            throw new UnreachableException(base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException(base, e);
        }
    }
}
