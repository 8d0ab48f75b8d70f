package io.fastworker.telemetry;

import static io.restassured.RestAssured.given;
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
        double failed = Math.max(0, value(before, "fastworker_tasks_completed_total{status=\"failure\",task=\"fail\"}"));
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
}
