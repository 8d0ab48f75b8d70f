package io.fastworker.telemetry;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The fastworker.* metrics move as tasks flow, read back from the Prometheus endpoint. */
@QuarkusTest
class MetricsTest {

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void taskMetricsCountSubmissionsOutcomesRetriesAndDurations() {
        String before = scrape();
        double submitted = Math.max(0, value(before, "fastworker_tasks_submitted_total{task=\"add\"}"));
        double failed = Math.max(0,
                value(before, "fastworker_tasks_completed_total{status=\"failure\",task=\"fail\"}"));
        double retries = Math.max(0, value(before, "fastworker_tasks_retries_total{task=\"fail\"}"));

        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"args\": [1, 2]}").post("/tasks?wait=5s")
                    .then().statusCode(200);
        }
        given().contentType(ContentType.JSON)
                .body("{\"task\": \"fail\", \"args\": [\"x\"], \"maxRetries\": 1, \"retryDelay\": \"10ms\"}")
                .post("/tasks?wait=5s").then().statusCode(200);

        String after = scrape();
        assertTrue(value(after, "fastworker_tasks_submitted_total{task=\"add\"}") >= submitted + 3, after);
        assertTrue(value(after, "fastworker_tasks_completed_total{status=\"success\",task=\"add\"}") >= 3, after);
        assertTrue(value(after, "fastworker_tasks_completed_total{status=\"failure\",task=\"fail\"}") >= failed + 1);
        assertTrue(value(after, "fastworker_tasks_retries_total{task=\"fail\"}") >= retries + 1, after);
        assertTrue(value(after, "fastworker_tasks_dispatched_total{executor=\"local\",task=\"add\"}") >= 3, after);
        assertTrue(value(after, "fastworker_tasks_duration_seconds_count{task=\"add\"}") >= 3, after);
        assertTrue(after.contains("fastworker_tasks_duration_seconds_bucket{task=\"add\""), "a histogram");
        for (String p : new String[] {"critical", "high", "normal", "low"}) {
            assertTrue(value(after, "fastworker_queue_depth{priority=\"" + p + "\"}") >= 0, p + "\n" + after);
        }
        assertTrue(value(after, "fastworker_workers_active") == 0, after);
        assertTrue(!after.contains("\"x\""), "no task argument in metrics");
    }

    @Test
    void durationHistogramsHaveTheConfiguredBucketsOnly() {
        given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"args\": [1, 2]}").post("/tasks?wait=5s")
                .then().statusCode(200);
        String metrics = scrape();
        long buckets = metrics.lines()
                .filter(l -> l.startsWith("fastworker_tasks_duration_seconds_bucket{task=\"add\""))
                .count();
        assertEquals(17, buckets, "16 configured bounds and +Inf:\n" + metrics);
        assertTrue(metrics.contains("fastworker_tasks_duration_seconds_bucket{task=\"add\",le=\"0.005\"}"), metrics);
        assertTrue(metrics.contains("fastworker_tasks_duration_seconds_bucket{task=\"add\",le=\"3600.0\"}"), metrics);
    }

    @Test
    void theControlPlanesOwnExecutorHasWorkerMetrics() {
        String before = scrape();
        String series = "fastworker_worker_completed_total{status=\"success\",task=\"add\",worker=\"control-plane\"}";
        double done = Math.max(0, value(before, series));
        given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"args\": [1, 2]}").post("/tasks?wait=5s")
                .then().statusCode(200);
        String after = scrape();
        assertTrue(value(after, series) >= done + 1, after);
        assertTrue(value(after, "fastworker_worker_in_flight{worker=\"control-plane\"}") >= 0, after);
        assertTrue(after.contains("fastworker_worker_duration_seconds_count{task=\"add\",worker=\"control-plane\"}"),
                after);
    }

    @Test
    void refusedSubmissionsAreCountedByReason() {
        String series = "fastworker_tasks_rejected_total{reason=\"unknown_task\"}";
        double before = value(scrape(), series);
        assertTrue(before >= 0, "the counter exists before the first refusal");
        given().contentType(ContentType.JSON).body("{\"task\": \"no_such_task\"}").post("/tasks").then()
                .statusCode(400);
        given().contentType(ContentType.JSON).body("[{\"task\": \"noop\"}, {\"task\": \"no_such_task\"}]")
                .post("/tasks/batch").then().statusCode(400);
        assertEquals(before + 3, value(scrape(), series), "1 single submission and a batch of 2 refused");
        double badArgs = value(scrape(), "fastworker_tasks_rejected_total{reason=\"bad_arguments\"}");
        given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"args\": [1]}").post("/tasks").then()
                .statusCode(400);
        assertEquals(badArgs + 1, value(scrape(), "fastworker_tasks_rejected_total{reason=\"bad_arguments\"}"));
        given().get("/tasks/no-such-id").then().statusCode(404); // a read, not a submission: not counted
    }
}
