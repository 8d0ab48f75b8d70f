package io.fastworker.engine;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Retries, timeouts and concurrent clients, observed through the HTTP API. */
@QuarkusTest
class ExecutionTest {

    private static Response submitAndWait(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/tasks?wait=20s").then().statusCode(200)
                .extract().response();
    }

    private static Duration gap(Response r, int from, int to) {
        Instant end = Instant.parse(r.path("history[" + from + "].finishedAt"));
        Instant start = Instant.parse(r.path("history[" + to + "].startedAt"));
        return Duration.between(end, start);
    }

    @Test
    void failingTaskIsRetriedWithBackoffThenFails() {
        Response r = submitAndWait("{\"task\": \"fail\", \"args\": [\"nope\"], \"maxRetries\": 2, "
                + "\"retryDelay\": \"200ms\", \"retryBackoff\": 2}");
        r.then().body("status", equalTo("failure"))
                .body("attempts", equalTo(3))
                .body("maxAttempts", equalTo(3))
                .body("history", hasSize(3))
                .body("history.error.type", equalTo(List.of("task_error", "task_error", "task_error")))
                .body("error.message", equalTo("nope"));
        Duration first = gap(r, 0, 1);
        Duration second = gap(r, 1, 2);
        assertTrue(first.toMillis() >= 200, "first backoff " + first);
        assertTrue(second.toMillis() >= 400, "second backoff " + second);
    }

    @Test
    void aResultOverTheLimitFailsItsAttemptAsBadResultWithItsSize() {
        // fastworker.result.max-size is 1M by default: 2,000 × 1,000 characters is about 2 MB of JSON
        Response r = submitAndWait("{\"task\": \"repeat\", \"args\": [\"" + "y".repeat(1000) + "\", 2000], "
                + "\"maxRetries\": 2}");
        r.then().body("status", equalTo("failure")).body("attempts", equalTo(1))
                .body("error.type", equalTo("bad_result"))
                .body("error.message", containsString("the result takes 2000002 bytes as JSON, more than the "
                        + "1048576 that fastworker.result.max-size allows"));
        submitAndWait("{\"task\": \"repeat\", \"args\": [\"" + "y".repeat(1000) + "\", 1000]}").then()
                .body("status", equalTo("success"));
    }

    @Test
    void retryEndsInSuccessWhenALaterAttemptSucceeds() {
        Response r = submitAndWait("{\"task\": \"flaky\", \"args\": [2]}");
        r.then().body("status", equalTo("success")).body("result", equalTo(2)).body("attempts", equalTo(2))
                .body("history[0].error.message", containsString("attempt 1 fails"));
    }

    @Test
    void badArgumentsAreNotRetried() {
        submitAndWait("{\"task\": \"add\", \"args\": [\"x\", 1], \"maxRetries\": 3, \"retryDelay\": 0}")
                .then().body("status", equalTo("failure")).body("attempts", equalTo(1))
                .body("error.type", equalTo("bad_arguments"));
    }

    @Test
    void timeoutEndsASleepThatRunsTooLong() {
        Instant before = Instant.now();
        Response r = submitAndWait("{\"task\": \"sleep\", \"args\": [10000], \"timeout\": \"300ms\"}");
        r.then().body("status", equalTo("failure")).body("error.type", equalTo("timeout"))
                .body("error.message", containsString("timeout"));
        Duration took = Duration.between(before, Instant.parse(r.path("finishedAt")));
        assertTrue(took.toMillis() >= 300 && took.toMillis() < 5000, "took " + took);
    }

    @Test
    void timedOutAttemptsAreRetried() {
        submitAndWait("{\"task\": \"sleep\", \"args\": [5000], \"timeout\": 0.2, \"maxRetries\": 1, "
                + "\"retryDelay\": \"10ms\"}")
                .then().body("status", equalTo("failure")).body("attempts", equalTo(2))
                .body("history.error.type", equalTo(List.of("timeout", "timeout")));
    }

    @Test
    void tasksThatThrowErrorsKillNoExecutorThread() {
        // more of them than the control plane has executor threads (8), each throwing an Error
        for (int i = 0; i < 10; i++) {
            String kind = i % 3 == 0 ? "stack" : i % 3 == 1 ? "init" : "assert";
            submitAndWait("{\"task\": \"explode\", \"args\": [\"" + kind + "\"]}").then()
                    .body("status", equalTo("failure")).body("error.type", equalTo("task_error"))
                    .body("error.exception", org.hamcrest.Matchers.startsWith("java.lang."));
        }
        for (int i = 0; i < 16; i++) {
            submitAndWait("{\"task\": \"add\", \"args\": [" + i + ", 1]}").then().body("result", equalTo(i + 1));
        }
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'task-queue' }.data.executor", equalTo("running"));
    }

    @Test
    void fiftyConcurrentClientsEachGetTheirOwnResult() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<Callable<Object>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String value = "client-" + i + "-" + "x".repeat(i);
                calls.add(() -> given().contentType(ContentType.JSON)
                        .body("{\"task\": \"echo\", \"args\": [\"" + value + "\"], \"priority\": \"normal\"}")
                        .post("/tasks?wait=20s").then().statusCode(200).extract().path("result"));
            }
            List<Future<Object>> results = pool.invokeAll(calls);
            for (int i = 0; i < 50; i++) {
                assertEquals("client-" + i + "-" + "x".repeat(i), results.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
