package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed description ({@code docs/openapi.yaml}) checked by a validating proxy nobody here wrote: Stoplight
 * Prism ({@code prism proxy --errors}, from npm; {@code .ci/run} installs it) between this test and a real control
 * plane. Every request and every answer of every documented operation, error answers included, must match the
 * document, whose objects have the properties described and no others; and a planted mismatch (an answer with a
 * property the document does not describe) must fail.
 */
class ContractIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path PRISM = Path.of(System.getenv().getOrDefault("FASTWORKER_PRISM", System.getProperty("user.home")
            + "/.cache/fastworker-npm/prism-5.16.0/node_modules/.bin/prism"));
    static final Map<String, String> BEARER = Map.of("Authorization", "Bearer any"); // auth is off: any key passes

    static Daemon cp;
    static Process prism;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        boolean here = Files.isExecutable(PRISM);
        Assumptions.assumeTrue(here || System.getenv("FASTWORKER_PRISM") != null,
                "no Prism at " + PRISM + " (npm install --prefix ~/.cache/fastworker-npm/prism-5.16.0 "
                        + "@stoplight/prism-cli@5.16.0); skipped");
        assertTrue(here, "FASTWORKER_PRISM is set but " + PRISM + " is missing");
        cp = Daemon.controlPlane(Map.of("FASTWORKER_DEAD_LETTERS_MAX", "1000"));
        port = Daemon.freePort();
        prism = proxy(OpenApiIT.COMMITTED, port);
    }

    @AfterAll
    static void stop() throws Exception {
        if (prism != null) {
            prism.destroy();
        }
        if (cp != null) {
            cp.close();
        }
    }

    /** Prism proxying {@code document} to the control plane on {@code port}, once it listens. */
    static Process proxy(Path document, int port) throws Exception {
        Path log = Files.createTempFile("fastworker-prism-", ".log");
        Process p = new ProcessBuilder(PRISM.toString(), "proxy", document.toAbsolutePath().toString(), cp.url(),
                "--errors", "--port", String.valueOf(port), "--host", "127.0.0.1").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        Daemon.await(() -> Files.readString(log), l -> l.contains("Prism is listening") || !p.isAlive(),
                Duration.ofSeconds(60), "Prism listening");
        assertTrue(p.isAlive(), Files.readString(log));
        return p;
    }

    record Answer(int status, String body, String violations) {
    }

    static Answer call(int port, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30));
        BEARER.forEach(b::header);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = Daemon.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body(), r.headers().firstValue("sl-violations").orElse(null));
    }

    /** Sends through the proxy; the answer must have {@code status} and match the document. */
    static JsonNode expect(int status, String method, String path, String body, List<String> failures)
            throws Exception {
        Answer a = call(port, method, path, body);
        if (a.violations() != null || a.status() != status) {
            failures.add(method + " " + path + " -> " + a.status() + " (expected " + status + ")"
                    + (a.violations() == null ? ": " + a.body() : ", violations: " + a.violations()));
        }
        return a.body().isBlank() ? null : JSON.readTree(a.body());
    }

    @Test
    void everyOperationsAnswersMatchTheDocument() throws Exception {
        List<String> f = new ArrayList<>();
        String id = expect(202, "POST", "/tasks", "{\"task\": \"add\", \"args\": [1, 2]}", f).get("id").asText();
        expect(200, "POST", "/tasks?wait=10s", "{\"task\": \"add\", \"args\": [2, 3], \"priority\": \"high\"}", f);
        expect(400, "POST", "/tasks", "{\"task\": \"nope\"}", f);
        expect(400, "POST", "/tasks", "{\"task\": \"add\", \"args\": [1, 2, 3]}", f);
        expect(422, "POST", "/tasks", "{\"task\": \"add\", \"args\": [1, 2], \"priority\": \"urgent\"}", f);
        // (a body that is not JSON is left out: Prism 5.16 never answers one; BadInputTest covers it)
        expect(202, "POST", "/tasks/batch", "[{\"task\": \"add\", \"args\": [1, 2]}, {\"task\": \"noop\"}]", f);
        expect(200, "GET", "/tasks/" + id + "?wait=10s", null, f);
        expect(200, "GET", "/tasks/" + id + "?include=args", null, f);
        expect(400, "GET", "/tasks/" + id + "?wait=forever", null, f);
        expect(404, "GET", "/tasks/no-such-task", null, f);
        String steps = expect(202, "POST", "/tasks", "{\"task\": \"steps\", \"args\": [40, 100]}", f).get("id")
                .asText();
        Daemon.await(() -> JSON.readTree(cp.get("/tasks/" + steps).body()), t -> !t.get("progress").isNull(),
                Duration.ofSeconds(20), "a running task with progress");
        JsonNode running = expect(200, "GET", "/tasks/" + steps, null, f); // its progress, as described
        if (running != null && running.path("progress").isNull()) {
            f.add("GET /tasks/" + steps + " showed no progress: " + running);
        }
        expect(200, "GET", "/tasks?limit=5", null, f);
        expect(400, "GET", "/tasks?status=bogus", null, f);
        String later = expect(202, "POST", "/tasks", "{\"task\": \"add\", \"args\": [1, 2], \"countdown\": \"PT1H\"}",
                f)
                .get("id").asText();
        expect(200, "GET", "/tasks/" + later, null, f);
        expect(200, "DELETE", "/tasks/" + later, null, f);
        expect(409, "DELETE", "/tasks/" + id, null, f);
        expect(404, "DELETE", "/tasks/no-such-task", null, f);
        String failed = expect(200, "POST", "/tasks?wait=10s",
                "{\"task\": \"fail\", \"args\": [\"x\"], \"maxRetries\": "
                        + "0}",
                f).get("id").asText();
        expect(200, "GET", "/tasks/" + failed, null, f);
        expect(200, "GET", "/dead-letters?task=fail&limit=5", null, f);
        expect(400, "GET", "/dead-letters?since=yesterday", null, f);
        expect(202, "POST", "/tasks/" + failed + "/retry", null, f);
        expect(409, "POST", "/tasks/" + id + "/retry", null, f);
        expect(404, "POST", "/tasks/no-such-task/retry", null, f);
        Daemon.await(() -> cp.get("/dead-letters?task=fail").body(), b -> b.contains(failed),
                Duration.ofSeconds(10), "the retried task failing again");
        expect(202, "POST", "/dead-letters/retry?task=fail", null, f);
        expect(400, "POST", "/dead-letters/retry?limit=0", null, f);
        expect(404, "DELETE", "/dead-letters/no-such-task", null, f);
        String forgotten = expect(200, "POST", "/tasks?wait=10s", "{\"task\": \"fail\", \"args\": [\"y\"], "
                + "\"maxRetries\": 0}", f).get("id").asText();
        expect(204, "DELETE", "/dead-letters/" + forgotten, null, f);
        expect(200, "GET", "/registry", null, f);
        expect(200, "GET", "/workers", null, f);
        expect(200, "GET", "/workers/gone", null, f);
        expect(200, "GET", "/overview?since=0", null, f);
        expect(200, "GET", "/ui/settings", null, f);
        expect(200, "PUT", "/limits/send_welcome_email", "{\"maxConcurrency\": 4, \"rateLimit\": \"100/s\"}", f);
        expect(200, "GET", "/limits/send_welcome_email", null, f);
        expect(422, "PUT", "/limits/send_welcome_email", "{\"maxConcurrency\": -1}", f);
        expect(204, "DELETE", "/limits/send_welcome_email", null, f);
        expect(200, "GET", "/limits", null, f);
        expect(404, "GET", "/limits/no-such-task", null, f);
        expect(201, "POST", "/schedules", "{\"id\": \"nightly-report\", \"task\": \"send_welcome_email\", \"args\": "
                + "[\"ops\"], \"priority\": \"low\", \"cron\": \"0 3 * * 1-5\", \"timezone\": \"Europe/Berlin\", "
                + "\"missed\": \"catch-up-once\", \"overlap\": \"skip-if-running\"}", f);
        expect(409, "POST", "/schedules", "{\"id\": \"nightly-report\", \"task\": \"noop\", \"every\": \"30s\"}", f);
        expect(400, "POST", "/schedules", "{\"id\": \"bad\", \"task\": \"noop\", \"every\": \"never\"}", f);
        expect(201, "PUT", "/schedules/heartbeat", "{\"task\": \"noop\", \"every\": \"1m\"}", f);
        expect(200, "PUT", "/schedules/heartbeat", "{\"task\": \"noop\", \"every\": \"30s\"}", f);
        expect(200, "GET", "/schedules/heartbeat", null, f);
        expect(200, "POST", "/schedules/heartbeat/pause", null, f);
        expect(200, "POST", "/schedules/heartbeat/resume", null, f);
        expect(200, "GET", "/schedules", null, f);
        expect(204, "DELETE", "/schedules/heartbeat", null, f);
        expect(204, "DELETE", "/schedules/nightly-report", null, f);
        expect(404, "GET", "/schedules/no-such-schedule", null, f);
        expect(404, "POST", "/schedules/no-such-schedule/pause", null, f);
        expect(202, "POST", "/groups", "{\"id\": \"sums\", \"tasks\": [{\"task\": \"add\", \"args\": [1, 2]}, "
                + "{\"task\": \"add\", \"args\": [5, 6]}], \"then\": {\"task\": \"echo\"}}", f);
        expect(400, "POST", "/groups", "{\"tasks\": []}", f);
        expect(200, "GET", "/groups/sums", null, f);
        expect(404, "GET", "/groups/no-such-group", null, f);
        String chain = expect(200, "POST", "/tasks?wait=10s", "{\"task\": \"add\", \"args\": [2, 3], \"then\": "
                + "{\"task\": \"add\", \"args\": [10]}}", f).path("id").asText("none");
        expect(200, "GET", "/chains/" + chain, null, f);
        expect(404, "GET", "/chains/no-such-chain", null, f);
        expect(404, "GET", "/cluster", null, f);
        assertEquals(List.of(), f, "answers that do not match docs/openapi.yaml");
    }

    @Test
    void anAnswerWithAPropertyTheDocumentDoesNotDescribeFails(@TempDir Path dir) throws Exception {
        // The control plane as it is, against a document that lacks one property of a task: the planted mismatch.
        ObjectNode doc = (ObjectNode) new YAMLMapper().readTree(OpenApiIT.COMMITTED.toFile());
        ((ObjectNode) doc.at("/components/schemas/TaskView/properties")).remove("traceId");
        Path planted = dir.resolve("planted.yaml");
        new YAMLMapper().writeValue(planted.toFile(), doc);
        int other = Daemon.freePort();
        Process p = proxy(planted, other);
        try {
            String id = cp.post("/tasks", "{\"task\": \"noop\"}").body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
            Answer a = call(other, "GET", "/tasks/" + id, null);
            assertEquals(500, a.status(), a.body());
            assertTrue(a.violations() != null && a.violations().contains("traceId"), "Prism names the undescribed "
                    + "property: " + a.violations());
            Answer same = call(port, "GET", "/tasks/" + id, null);
            assertEquals(200, same.status(), "the committed document describes it: " + same.violations());
        } finally {
            p.destroy();
        }
    }
}
