package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packaged control plane as a real process, driven over HTTP and through the CLI of the same binary. */
class ControlPlaneIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static Daemon daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = Daemon.start(Map.of(), "--role", "control-plane");
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    private Daemon.Result cli(String... args) throws Exception {
        String[] withUrl = new String[args.length + 2];
        System.arraycopy(args, 0, withUrl, 0, args.length);
        withUrl[args.length] = "--url";
        withUrl[args.length + 1] = daemon.url();
        return Daemon.run(Map.of(), withUrl);
    }

    @Test
    void submitsOverHttpAndWaitsForTheResult() throws Exception {
        HttpResponse<String> r = daemon.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [5, 3]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode task = JSON.readTree(r.body());
        assertEquals("success", task.get("status").asText());
        assertEquals(8, task.get("result").asInt());
        assertTrue(daemon.log().contains("Profiles control-plane,prod activated")
                || daemon.log().contains("Profiles prod,control-plane activated"), daemon.log());
        // task bodies on virtual threads where the JVM has them (Java 21+), as the README says
        String threads = Runtime.version().feature() >= 21 ? "virtual" : "platform";
        assertTrue(daemon.log().contains("at once, on " + threads + " threads"), daemon.log());
    }

    @Test
    void cliSubmitPrintsTheResult() throws Exception {
        Daemon.Result r = cli("submit", "--task-name", "add", "--args", "5", "3");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("8", r.stdout().trim());
    }

    @Test
    void cliArgsAreJsonWhereTheyParseElseStrings() throws Exception {
        assertEquals("\"Q1\"", cli("submit", "--task-name", "echo", "--args", "\"Q1\"").stdout().trim());
        assertEquals("true", cli("submit", "--task-name", "echo", "--args", "true").stdout().trim());
        assertEquals("\"hello\"", cli("submit", "--task-name", "echo", "--args", "hello").stdout().trim());
        assertEquals("[1,2]", cli("submit", "--task-name", "echo", "--args", "[1,2]").stdout().trim());
        Daemon.Result kw = cli("submit", "--task-name", "add", "--args", "1", "--kwargs", "{\"y\": 41}",
                "--priority", "critical");
        assertEquals(0, kw.exitCode(), kw.all());
        assertEquals("42", kw.stdout().trim());
    }

    @Test
    void cliRefusesBadOptionsBeforeSendingAndSurvivesAbsurdOnes() throws Exception {
        for (String[] bad : new String[][] {{"--priority", "urgent", "valid priorities: critical"},
            {"--countdown", "-5", "from 0 to 9.2e9"}, {"--timeout", "banana", "banana"},
            {"--kwargs", "[1]", "must be a JSON object"}, {"--max-retries", "-1", "must not be negative"}}) {
            Daemon.Result r = cli("submit", "--task-name", "noop", bad[0], bad[1]);
            assertEquals(2, r.exitCode(), r.all());
            assertTrue(r.stderr().contains(bad[2]), r.all());
        }
        Daemon.Result forever = cli("submit", "--task-name", "add", "--args", "1", "1", "--wait-timeout",
                "3600000000000");
        assertEquals(0, forever.exitCode(), forever.all());
        assertEquals("2", forever.stdout().trim());
        Daemon.Result json = cli("status", "--json", "--task-id", cli("submit", "--task-name", "add", "--args", "2",
                "3", "--non-blocking").stdout().trim());
        assertEquals(0, json.exitCode(), json.all());
        assertTrue(json.stdout().contains("\"maxAttempts\""), json.stdout());
    }

    @Test
    void cliExitCodesMeanSomething() throws Exception {
        Daemon.Result failed = cli("submit", "--task-name", "fail", "--args", "broken on purpose");
        assertEquals(1, failed.exitCode(), failed.all());
        assertTrue(failed.stderr().contains("task_error: broken on purpose"), failed.all());

        Daemon.Result unknownTask = cli("submit", "--task-name", "nope");
        assertEquals(2, unknownTask.exitCode(), unknownTask.all());
        assertTrue(unknownTask.stderr().contains("known tasks: add"), unknownTask.all());

        Daemon.Result missingFlag = cli("submit");
        assertEquals(2, missingFlag.exitCode(), missingFlag.all());
        assertTrue(missingFlag.stderr().contains("--task-name"), missingFlag.all());

        Daemon.Result notFound = cli("status", "--task-id", "no-such-id");
        assertEquals(1, notFound.exitCode(), notFound.all());
        assertTrue(notFound.stderr().contains("not found"), notFound.all());

        Daemon.Result cancelUnknown = cli("cancel", "--task-id", "no-such-id");
        assertEquals(1, cancelUnknown.exitCode(), cancelUnknown.all());
    }

    @Test
    void cliNonBlockingThenStatusThenCancel() throws Exception {
        Daemon.Result submitted = cli("submit", "--task-name", "add", "--args", "2", "2", "--non-blocking");
        assertEquals(0, submitted.exitCode(), submitted.all());
        String id = submitted.stdout().trim();
        daemon.get("/tasks/" + id + "?wait=10s");
        Daemon.Result status = cli("status", "--task-id", id);
        assertEquals(0, status.exitCode(), status.all());
        assertTrue(status.stdout().contains("Status: success"), status.stdout());
        assertTrue(status.stdout().contains("Result: 4"), status.stdout());

        Daemon.Result later = cli("submit", "--task-name", "noop", "--countdown", "60", "--non-blocking");
        String laterId = later.stdout().trim();
        Daemon.Result cancelled = cli("cancel", "--task-id", laterId);
        assertEquals(0, cancelled.exitCode(), cancelled.all());
        assertTrue(cancelled.stdout().contains("cancelled successfully"), cancelled.stdout());
        Daemon.Result again = cli("cancel", "--task-id", laterId);
        assertEquals(1, again.exitCode(), again.all());
    }

    @Test
    void theProgressOfATaskTheControlPlaneRunsItselfShowsWhileItRunsAndInTheCli() throws Exception {
        var submitted = daemon.post("/tasks", "{\"task\": \"steps\", \"args\": [10, 600]}");
        assertEquals(202, submitted.statusCode(), submitted.body());
        String id = JSON.readTree(submitted.body()).get("id").asText();
        JsonNode running = Daemon.await(() -> JSON.readTree(daemon.get("/tasks/" + id).body()),
                t -> !t.get("progress").isNull(), Duration.ofSeconds(20), "its progress shows");
        assertEquals("running", running.get("status").asText());
        JsonNode p = running.get("progress");
        assertTrue(p.get("fraction").asDouble() > 0 && p.get("fraction").asDouble() < 1, p.toString());
        assertTrue(p.get("message").asText().matches("step [1-9] of 10"), p.toString());
        Daemon.Result status = cli("status", "--task-id", id);
        assertTrue(status.stdout().matches("(?s).*Progress: [1-9]0% step [1-9] of 10.*"), status.stdout());
        JsonNode done = JSON.readTree(daemon.get("/tasks/" + id + "?wait=20s").body());
        assertEquals("success", done.get("status").asText(), done.toString());
        assertTrue(done.get("progress").isNull(), "none once finished: " + done);
        assertEquals(running.get("worker").asText(), done.get("worker").asText(), "the control plane ran it");
    }

    @Test
    void aRunningTaskTheControlPlaneRunsItselfIsStoppedByACancelFromTheCli() throws Exception {
        var submitted = daemon.post("/tasks", "{\"task\": \"steps\", \"args\": [100, 100]}");
        String id = JSON.readTree(submitted.body()).get("id").asText();
        Daemon.await(() -> JSON.readTree(daemon.get("/tasks/" + id).body()), t -> !t.get("progress").isNull(),
                Duration.ofSeconds(20), "it runs");
        Daemon.Result cancelled = cli("cancel", "--task-id", id);
        assertEquals(0, cancelled.exitCode(), cancelled.all());
        // it says "asked to stop" while the task is cancelling; the interrupted body may have stopped already
        assertTrue(cancelled.stdout().contains("asked to stop") || cancelled.stdout().contains("cancelled "
                + "successfully"), cancelled.stdout());
        JsonNode t = JSON.readTree(daemon.get("/tasks/" + id + "?wait=5s").body());
        assertEquals("cancelled", t.get("status").asText(), "the interrupted body stopped at once: " + t);
        assertEquals("cancelled", t.get("history").get(0).get("error").get("type").asText(), t.toString());
    }

    @Test
    void cliListShowsTasksWithOptions() throws Exception {
        Daemon.Result r = cli("list");
        assertEquals(0, r.exitCode(), r.all());
        assertTrue(r.stdout().contains("Available tasks:"), r.stdout());
        assertTrue(r.stdout().contains("  - add(x, y) priority=normal"), r.stdout());
        assertTrue(r.stdout().contains("  - send_welcome_email(user_id)"), r.stdout());
    }

    @Test
    void cliListsRecentTasksAndDeadLettersWithTheApisFilters() throws Exception {
        String ok = JSON.readTree(daemon.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [40, 2]}").body())
                .get("id").asText();
        String failed = JSON.readTree(daemon.post("/tasks?wait=10s", "{\"task\": \"fail\", \"args\": [\"cli\"]}")
                .body()).get("id").asText();
        Daemon.Result tasks = cli("tasks", "--task-name", "add", "--status", "success", "--limit", "500");
        assertEquals(0, tasks.exitCode(), tasks.all());
        assertTrue(tasks.stdout().lines().anyMatch(l -> l.startsWith(ok) && l.contains("add") && l.contains("success")
                && l.contains("1/1")), tasks.stdout());
        assertFalse(tasks.stdout().contains(failed), "filtered by name and status: " + tasks.stdout());
        JsonNode page = JSON.readTree(cli("tasks", "--limit", "1", "--json").stdout());
        assertEquals(1, page.get("items").size(), page.toString());
        assertTrue(page.get("total").asInt() >= 2, page.toString());
        assertTrue(cli("tasks", "--limit", "1").stdout().contains("(1 of "), "says there are more");

        Daemon.Result dead = cli("dead-letters", "--task-name", "fail");
        assertEquals(0, dead.exitCode(), dead.all());
        assertTrue(dead.stdout().lines().anyMatch(l -> l.startsWith(failed) && l.contains("task_error")),
                dead.stdout());
        assertEquals("No tasks.", cli("dead-letters", "--error-type", "timeout").stdout().strip());
        // --retry replays every dead letter that matches
        String again = JSON.readTree(daemon.post("/tasks?wait=10s", "{\"task\": \"repeat\", \"args\": [\"x\", -1], "
                + "\"maxRetries\": 0}").body()).get("id").asText();
        Daemon.Result replayed = cli("dead-letters", "--retry", "--task-name", "repeat", "--json");
        assertEquals(0, replayed.exitCode(), replayed.all());
        JsonNode done = JSON.readTree(replayed.stdout());
        assertTrue(done.get("ids").toString().contains(again), done.toString());
        assertEquals(done.get("ids").size(), done.get("count").asInt(), done.toString());
        Daemon.await(() -> JSON.readTree(daemon.get("/tasks/" + again).body()).get("attempts").asInt(), n -> n == 2,
                java.time.Duration.ofSeconds(10), "the replayed task's second attempt");
        assertTrue(cli("dead-letters", "--retry", "--task-name", "nothing-fails-so").stdout()
                .startsWith("Queued again: 0 (0 matching left)"));
        Daemon.Result bad = cli("tasks", "--status", "done");
        assertEquals(2, bad.exitCode(), "a bad filter is a usage error: " + bad.all());
        assertTrue(bad.stderr().contains("valid statuses"), bad.all());
        // list keeps its meaning from the original FastWorker: the task types.
        assertTrue(cli("list").stdout().contains("Available tasks:"));
    }

    @Test
    void cliTakesTheUrlFromTheEnvironment() throws Exception {
        Daemon.Result r = Daemon.run(Map.of("FASTWORKER_URL", daemon.url()), "submit", "--task-name", "add",
                "--args", "1", "1");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("2", r.stdout().trim());
    }

    @Test
    void unreachableControlPlaneIsExit3WithTheUrl() throws Exception {
        Daemon.Result r = Daemon.run(Map.of(), "submit", "--task-name", "add", "--args", "1", "1", "--url",
                "http://127.0.0.1:1");
        assertEquals(3, r.exitCode(), r.all());
        assertTrue(r.stderr().contains("http://127.0.0.1:1"), r.stderr());
    }

    @Test
    void cliSubmitThatOutlivesItsWaitExits4() throws Exception {
        Daemon.Result r = cli("submit", "--task-name", "sleep", "--args", "4000", "--wait-timeout", "1");
        assertEquals(4, r.exitCode(), r.all());
        assertTrue(r.stderr().contains("is still running after 1 s"), r.all());
    }

    @Test
    void countersExistAtZeroFromStartUp() throws Exception {
        String metrics = daemon.get("/q/metrics").body();
        for (String task : new String[] {"add", "echo", "sleep", "fail", "noop", "send_welcome_email"}) {
            for (String counter : new String[] {"cancelled", "retries", "redeliveries", "submitted"}) {
                assertTrue(metrics.contains("fastworker_tasks_" + counter + "_total{task=\"" + task + "\"}"),
                        counter + " of " + task + ":\n" + metrics);
            }
        }
        // nothing here is ever redelivered, too large or refused for not accepting: these exist from start-up
        assertTrue(metrics.contains("fastworker_tasks_redeliveries_total{task=\"send_welcome_email\"} 0.0"), metrics);
        for (String reason : new String[] {"queue_full", "unknown_task", "bad_arguments", "invalid_request",
            "malformed_json", "body_too_large", "unsupported_media_type", "duplicate_id", "not_accepting",
            "idempotency_conflict", "queue_bytes"}) {
            assertTrue(metrics.contains("fastworker_tasks_rejected_total{reason=\"" + reason + "\"}"),
                    reason + ":\n" + metrics);
        }
        for (String reason : new String[] {"unauthenticated", "forbidden"}) {
            assertTrue(metrics.contains("fastworker_api_refused_total{reason=\"" + reason + "\"} 0.0"),
                    reason + ":\n" + metrics);
        }
    }

    @Test
    void anApiWithoutKeysSaysItAnswersThisHostOnly() throws Exception {
        // No keys file, HTTP on 0.0.0.0 (the default): this host's clients are served, and the log says who is not.
        assertEquals(202, daemon.post("/tasks", "{\"task\": \"noop\"}").statusCode());
        assertTrue(daemon.log().contains("API authentication is off: FastWorker's API on port " + daemon.port
                + " answers clients on this host only (loopback)"), daemon.log());
    }

    @Test
    void aFailureMessageStaysOutOfTheLogButItsTypeIsThere() throws Exception {
        String card = "4111-1111-1111-1111";
        HttpResponse<String> r = daemon.post("/tasks?wait=10s", "{\"task\": \"fail\", \"args\": [\"" + card + "\"]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(card, JSON.readTree(r.body()).path("error").path("message").asText(), "the client sees it");
        String id = JSON.readTree(r.body()).path("id").asText();
        String log = daemon.log();
        assertTrue(log.contains("Task(id=" + id + ", name='fail', attempt=1/1) failed on control-plane (task_error "
                + "java.lang.IllegalStateException)"), log);
        assertTrue(!log.contains(card), "the failure message (a task argument) leaked into the log:\n" + log);
    }

    @Test
    void theControlPlaneIsActiveWhileItRunsTasksItself() throws Exception {
        JsonNode me = JSON.readTree(daemon.get("/workers").body()).get(0);
        assertEquals("control-plane", me.get("kind").asText());
        assertTrue(me.get("active").asBoolean(), me.toString());
        assertTrue(!daemon.log().contains("ExitOnOutOfMemoryError"), "started with the flag: no warning");
    }
}
