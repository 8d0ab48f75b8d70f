package io.fastworker.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every refusal is a 4xx problem document with an actionable detail, and the daemon keeps serving after it. */
@QuarkusTest
class BadInputTest {

    @TestHTTPResource("/")
    URL root;

    int port;

    @org.junit.jupiter.api.BeforeEach
    void port() {
        port = root.getPort();
    }

    @AfterEach
    void daemonStillServes() {
        given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"args\": [20, 22]}")
                .post("/tasks?wait=5s").then().statusCode(200).body("result", equalTo(42));
    }

    private static void refused(String body, int status, String code, String detail) {
        given().contentType(ContentType.JSON).body(body.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .post("/tasks").then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:fastworker:problem:" + code))
                .body("status", equalTo(status))
                .body("detail", containsString(detail));
    }

    @Test
    void unknownTaskListsTheKnownOnes() {
        refused("{\"task\": \"ad\"}", 400, "unknown-task", "known tasks: add, count, echo");
        given().contentType(ContentType.JSON).body("{\"task\": \"ad\"}").post("/tasks").then()
                .body("knownTasks", hasItem("add"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "{\"task\": \"add\", \"args\": [1, 2]       | malformed-json | not valid JSON",
        "{\"task\": \"add\"} trailing              | malformed-json | not valid JSON",
        "[1, 2]                                    | invalid-request | must be a JSON object",
        "{\"args\": [1, 2]}                        | invalid-request | field 'task' is required",
        "{\"task\": 7}                             | invalid-request | field 'task' is required",
        "{\"task\": \"add\", \"args\": {\"x\": 1}} | invalid-request | field 'args' must be a JSON array, got object",
        "{\"task\": \"add\", \"kwargs\": [1]}      | invalid-request | field 'kwargs' must be a JSON object, got array",
        "{\"task\": \"add\", \"priority\": \"urgent\"} | invalid-request | valid priorities: critical, high, normal, low",
        "{\"task\": \"add\", \"priority\": 1}      | invalid-request | field 'priority' must be one of",
        "{\"task\": \"add\", \"countdown\": -5}    | invalid-request | field 'countdown'",
        "{\"task\": \"add\", \"countdown\": \"soon\"} | invalid-request | 'soon' is not a duration",
        "{\"task\": \"add\", \"countdown\": true}  | invalid-request | must be seconds as a number",
        "{\"task\": \"add\", \"countdown\": 1, \"eta\": \"2030-01-01T00:00:00Z\"} | invalid-request | not both",
        "{\"task\": \"add\", \"eta\": \"tomorrow\"} | invalid-request | field 'eta' must be an ISO-8601 time",
        "{\"task\": \"add\", \"maxRetries\": -1}   | invalid-request | field 'maxRetries' must be a whole number",
        "{\"task\": \"add\", \"maxRetries\": 1.5}  | invalid-request | field 'maxRetries' must be a whole number",
        "{\"task\": \"add\", \"timeout\": 0}       | invalid-request | field 'timeout' must be at least 10 ms",
        "{\"task\": \"add\", \"timeout\": 0.0005}  | invalid-request | field 'timeout' must be at least 10 ms",
        "{\"task\": \"add\", \"timeout\": 1e-9}    | invalid-request | field 'timeout' must be at least 10 ms",
        "{\"task\": \"add\", \"timeout\": \"9ms\"} | invalid-request | field 'timeout' must be at least 10 ms",
        "{\"task\": \"add\", \"timeout\": \"PT0.000000001S\"} | invalid-request | must be at least 10 ms",
        "{\"task\": \"add\", \"retryBackoffMax\": 0} | invalid-request | 'retryBackoffMax' must be more than 0",
        "{\"task\": \"add\", \"retryBackoff\": 0.5} | invalid-request | 'retryBackoff' must be a number from 1.0 to 100",
        "{\"task\": \"add\", \"retryBackoff\": 1e300} | invalid-request | 'retryBackoff' must be a number from 1.0 to 100",
        "{\"task\": \"add\", \"timeout\": \"1000000h\"} | invalid-request | field 'timeout' must be at most PT168H",
        "{\"task\": \"add\", \"timeout\": \"PT2562048H\"} | invalid-request | field 'timeout' must be at most PT168H",
        "{\"task\": \"add\", \"timeout\": 3.6e9}   | invalid-request | field 'timeout' must be at most PT168H",
        "{\"task\": \"add\", \"timeout\": 1e300}   | invalid-request | field 'timeout'",
        "{\"task\": \"add\", \"retryDelay\": \"30d\"} | invalid-request | field 'retryDelay' must be at most PT168H",
        "{\"task\": \"add\", \"retryBackoffMax\": \"9999d\"} | invalid-request | 'retryBackoffMax' must be at most",
        "{\"task\": \"add\", \"maxRetries\": 5000} | invalid-request | 'maxRetries' must be a whole number from 0 to 1000",
        "{\"task\": \"add\", \"maxRetries\": 1e12} | invalid-request | 'maxRetries' must be a whole number",
        "{\"task\": \"add\", \"id\": \".\"}      | invalid-request | field 'id'",
        "{\"task\": \"add\", \"id\": \"..\"}     | invalid-request | field 'id'",
        "{\"task\": \"add\", \"id\": \"a/b\"}    | invalid-request | field 'id'",
        "{\"task\": \"fail\", \"task\": \"noop\"} | malformed-json | Duplicate field 'task'",
        "{\"task\": \"noop\"}{\"task\": \"noop\"} | malformed-json | not valid JSON",
        "{\"task\": \"add\", \"eta\": \"2999-01-01T00:00:00Z\"} | invalid-request | more than 366 days ahead",
        "{\"task\": \"add\", \"priorty\": \"high\"} | invalid-request | unknown field 'priorty'",
        "{\"task\": \"add\", \"id\": \"has space\"} | invalid-request | field 'id'",
        "{\"task\": \"add\", \"countdown\": 99999999} | invalid-request | at most 366 days",
    })
    void badSubmissionsAreRefusedWithTheFieldNamed(String body, String code, String detail) {
        refused(body, 400, code, detail);
    }

    @Test
    void emptyBodyIsRefused() {
        refused("", 400, "invalid-request", "the request body is empty");
    }

    @Test
    void wrongContentTypeIs415() {
        given().contentType(ContentType.TEXT).body("{\"task\": \"add\"}").post("/tasks").then().statusCode(415)
                .contentType("application/problem+json").body("detail", containsString("application/json"));
    }

    @Test
    void randomBytesAre4xx() {
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            byte[] garbage = new byte[1 + random.nextInt(4096)];
            random.nextBytes(garbage);
            int status = given().contentType(ContentType.JSON).body(garbage).post("/tasks").then()
                    .contentType("application/problem+json").extract().statusCode();
            org.junit.jupiter.api.Assertions.assertEquals(400, status, "garbage body #" + i);
        }
    }

    @Test
    void deeplyNestedJsonIsRefused() {
        String deep = "[".repeat(100_000);
        refused(deep, 400, "malformed-json", "nesting depth");
        String deepArgs = "{\"task\": \"echo\", \"args\": [" + "[".repeat(5000) + "]".repeat(5000) + "]}";
        refused(deepArgs, 400, "malformed-json", "nesting depth");
    }

    @Test
    void bodyOverTheLimitIs413() {
        byte[] big = new byte[2 * 1024 * 1024];
        java.util.Arrays.fill(big, (byte) ' ');
        given().contentType(ContentType.JSON).body(big).post("/tasks").then().statusCode(413)
                .contentType("application/problem+json")
                .body("detail", containsString("fastworker.api.max-body-size"));
    }

    @Test
    void badQueryParametersAre400() {
        given().get("/tasks?status=done").then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("valid statuses"));
        given().get("/tasks?limit=abc").then().statusCode(400).body("detail", containsString("'limit'"));
        given().get("/tasks?limit=0").then().statusCode(400);
        given().get("/tasks?limit=1000000").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"task\": \"noop\"}").post("/tasks?wait=forever").then()
                .statusCode(400).body("detail", containsString("'wait'"));
        given().contentType(ContentType.JSON).body("{\"task\": \"noop\"}").post("/tasks?wait=1h").then()
                .statusCode(400).body("detail", containsString("fastworker.api.max-wait"));
        given().contentType(ContentType.JSON).body("{\"task\": \"noop\"}").post("/tasks?wait=1000000h").then()
                .statusCode(400).body("detail", containsString("fastworker.api.max-wait"));
        given().get("/tasks/some-id?wait=PT2562048H").then().statusCode(400)
                .body("detail", containsString("fastworker.api.max-wait"));
    }

    @Test
    void batchMustBeANonEmptyArray() {
        given().contentType(ContentType.JSON).body("{\"task\": \"add\"}").post("/tasks/batch").then()
                .statusCode(400).body("detail", containsString("JSON array"));
        given().contentType(ContentType.JSON).body("[]").post("/tasks/batch").then()
                .statusCode(400).body("detail", containsString("at least one"));
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        given().get("/nothing-here").then().statusCode(404).contentType("application/problem+json");
        given().put("/tasks/abc").then().statusCode(405).contentType("application/problem+json")
                .header("Allow", "GET, DELETE").body("detail", containsString("accepts GET, DELETE"));
        given().contentType(ContentType.JSON).body("{}").put("/tasks").then().statusCode(405)
                .header("Allow", "GET, POST").body("detail", equalTo("PUT is not allowed here; this path accepts "
                        + "GET, POST"));
        given().contentType(ContentType.JSON).body("[]").put("/tasks/batch").then().statusCode(405)
                .header("Allow", "GET, POST, DELETE");
    }

    /** Sends raw bytes on a fresh connection and returns everything read until the server closes it (or 5 s). */
    private String raw(String request) throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = socket.getInputStream().read(buffer)) >= 0;) {
                    read.write(buffer, 0, n);
                }
            } catch (java.net.SocketTimeoutException e) {
                read.write("<still open>".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            return read.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void anAmbiguousBodyLengthIsRefusedAndNothingIsSmuggledBehindIt() throws Exception {
        String body = "{\"task\": \"noop\"}";
        String smuggled = "GET /tasks HTTP/1.1\r\nHost: x\r\n\r\n";
        String both = raw("POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: xchunked\r\nContent-Length: " + body.length() + "\r\n\r\n" + body + smuggled);
        assertTrue(both.startsWith("HTTP/1.1 400"), both);
        assertTrue(both.contains("both Transfer-Encoding and Content-Length"), both);
        assertEquals(1, both.split("HTTP/1.1 ", -1).length - 1, "one answer, the connection closed: " + both);
        assertFalse(both.contains("<still open>"), both);

        String unknown = raw("POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: gzip\r\n\r\n");
        assertTrue(unknown.startsWith("HTTP/1.1 501"), unknown);
        assertTrue(unknown.contains("Transfer-Encoding 'gzip' is not supported"), unknown);

        String chunkedAndLength = raw("POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + Integer.toHexString(body.length())
                + "\r\n" + body + "\r\n0\r\n\r\n");
        assertTrue(chunkedAndLength.startsWith("HTTP/1.1 400"), chunkedAndLength);

        String chunked = raw("POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + Integer.toHexString(body.length())
                + "\r\n" + body + "\r\n0\r\n\r\n");
        assertTrue(chunked.startsWith("HTTP/1.1 202"), "a chunked body alone is fine: " + chunked);
    }

    @Test
    void aBodyWithoutContentTypeIs415() throws Exception {
        for (String path : new String[] {"/tasks", "/tasks/batch"}) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://localhost:" + port + path)).POST(
                            HttpRequest.BodyPublishers.ofString(
                                    "{\"task\": \"noop\"}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(415, r.statusCode(), r.body());
            assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
            assertTrue(r.body().contains("no Content-Type"), r.body());
        }
    }
}
