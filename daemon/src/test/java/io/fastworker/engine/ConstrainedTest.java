package io.fastworker.engine;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fastworker.TestClock;
import io.fastworker.TestTasks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Priority order, queue bound, result-cache bounds and the bound on idempotency keys, with one executor and small
 * limits. Result expiry is tested
 * on a clock moved by hand, so a slow machine cannot make a result expire before it is read.
 */
@QuarkusTest
@TestProfile(ConstrainedTest.Small.class)
class ConstrainedTest {

    public static class Small implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fastworker.concurrency", "1",
                    "fastworker.queue.capacity", "30",
                    "fastworker.result-cache.size", "20",
                    "fastworker.result-cache.ttl", "1h",
                    "fastworker.result-cache.sweep-interval", "200ms",
                    "fastworker.idempotency.max-keys", "4",
                    "fastworker.idempotency.window", "PT2H");
        }

        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(TestClock.class);
        }
    }

    private static String submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/tasks").then().statusCode(202)
                .extract().path("id");
    }

    private static void await(String id) {
        given().get("/tasks/" + id + "?wait=15s").then().statusCode(200);
    }

    /** Submits a task that holds the one executor until {@link TestTasks#open} and waits until it runs. */
    private static String block(String key) {
        String blocker = submit("{\"task\": \"gate\", \"args\": [\"" + key + "\"]}");
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"running".equals(given().get("/tasks/" + blocker).path("status"))) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("the blocking task never started");
            }
            Thread.onSpinWait();
        }
        return blocker;
    }

    @Test
    void tasksRunInStrictPriorityOrder() {
        String key = "priority-" + System.nanoTime();
        String blocker = block(key);
        List<String> order = List.of("low", "normal", "high", "critical");
        StringBuilder batch = new StringBuilder("[");
        for (String p : order) {
            batch.append(batch.length() > 1 ? "," : "").append("{\"task\": \"noop\", \"priority\": \"").append(p)
                    .append("\"}");
        }
        List<String> ids = given().contentType(ContentType.JSON).body(batch.append("]").toString())
                .post("/tasks/batch").then().statusCode(202).extract().path("ids");
        TestTasks.open(key);
        List<Map.Entry<String, Instant>> started = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            String startedAt = given().get("/tasks/" + ids.get(i) + "?wait=10s").then().statusCode(200)
                    .body("status", equalTo("success")).extract().path("startedAt");
            started.add(Map.entry(order.get(i), Instant.parse(startedAt)));
        }
        started.sort(Comparator.comparing(Map.Entry::getValue));
        assertEquals(List.of("critical", "high", "normal", "low"), started.stream().map(Map.Entry::getKey).toList());
        await(blocker);
    }

    @Test
    void fullQueueRefusesWith429AndRetryAfterAndKeepsWhatItAccepted() {
        given().contentType(ContentType.JSON).body("[" + "{\"task\": \"noop\"},".repeat(30) + "{\"task\": \"noop\"}]")
                .post("/tasks/batch").then().statusCode(429).header("Retry-After", notNullValue())
                .contentType("application/problem+json")
                .body("detail", containsString("fastworker.queue.capacity"));

        String gate = "full-gate-" + System.nanoTime();
        block(gate);
        String key = "full-" + System.nanoTime();
        String entry = "{\"task\": \"count\", \"args\": [\"" + key + "\"]}";
        List<String> ids = given().contentType(ContentType.JSON)
                .body("[" + (entry + ",").repeat(28) + entry + "]")
                .post("/tasks/batch").then().statusCode(202).extract().path("ids");
        given().contentType(ContentType.JSON).body("{\"task\": \"noop\"}").post("/tasks").then().statusCode(429)
                .header("Retry-After", equalTo("1")).body("capacity", equalTo(30));
        TestTasks.open(gate);
        // One executor runs FIFO: once the last is done, all are (the blocker first; with 20 results kept, it may
        // already be pushed out of the cache, so it is not read); every accepted task ran once.
        await(ids.get(ids.size() - 1));
        assertEquals(29, TestTasks.RUNS.get(key).get());
        given().contentType(ContentType.JSON).body("{\"task\": \"noop\"}").post("/tasks?wait=5s").then()
                .statusCode(200);
    }

    @Test
    void resultsAreBoundedBySizeOldestFirst() {
        // Past whatever other tests left in the cache (one of them moves the clock ahead for a while, so what it made
        // finished "later" than now): all of it is expired by then. The clock stays ahead, so that no result is
        // left dated after what later tests make.
        TestClock.advance(Duration.ofHours(5));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String id = submit("{\"task\": \"add\", \"args\": [" + i + ", 0]}");
            await(id);
            ids.add(id);
            TestClock.advance(Duration.ofMillis(1)); // the oldest goes first; within one instant, by id
        }
        // Only the 20 most recently finished survive: the first 5 are gone, the rest readable.
        for (int i = 0; i < 5; i++) {
            given().get("/tasks/" + ids.get(i)).then().statusCode(404);
        }
        for (int i = 5; i < 25; i++) {
            given().get("/tasks/" + ids.get(i)).then().statusCode(200).body("result", equalTo(i));
        }
    }

    @Test
    void resultsExpireAfterTheirTtl() {
        String id = submit("{\"task\": \"add\", \"args\": [1, 2]}");
        await(id);
        TestClock.advance(Duration.ofMinutes(59));
        given().get("/tasks/" + id).then().statusCode(200);
        TestClock.advance(Duration.ofMinutes(2));
        given().get("/tasks/" + id).then().statusCode(404);
        given().delete("/tasks/" + id).then().statusCode(404);
        given().get("/tasks?limit=20").then().statusCode(200).body("items.id", not(hasItem(id)));
    }

    @Test
    void idempotencyKeysAndChosenIdsAreBoundedAndFreedWhenTheirWindowPasses() {
        String keyed = "{\"task\": \"noop\"}";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(given().contentType(ContentType.JSON).header("Idempotency-Key", "bound-" + i).body(keyed)
                    .post("/tasks").then().statusCode(202).extract().path("id"));
        }
        submit("{\"task\": \"noop\", \"id\": \"chosen-1\"}"); // a chosen id is held too: 4 of 4
        given().contentType(ContentType.JSON).header("Idempotency-Key", "bound-3").body(keyed).post("/tasks")
                .then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("type", equalTo("urn:fastworker:problem:idempotency-keys-full"))
                .body("limit", equalTo("fastworker.idempotency.max-keys"))
                .body("detail", containsString("limit of 4 idempotency keys"));
        given().contentType(ContentType.JSON).body("{\"task\": \"noop\", \"id\": \"chosen-2\"}").post("/tasks")
                .then().statusCode(429);
        given().contentType(ContentType.JSON).body("[{\"task\": \"noop\"}, {\"task\": \"noop\", "
                + "\"idempotencyKey\": \"bound-batch\"}]").post("/tasks/batch").then().statusCode(429);
        // A repeat of a held key needs no new claim, nor does a submission without one.
        given().contentType(ContentType.JSON).header("Idempotency-Key", "bound-0").body(keyed).post("/tasks").then()
                .statusCode(200).body("id", equalTo(ids.get(0)));
        submit(keyed);
        // Once the window has passed, the keys are freed.
        TestClock.advance(Duration.ofHours(3));
        try {
            long deadline = System.currentTimeMillis() + 10_000;
            while (given().contentType(ContentType.JSON).header("Idempotency-Key", "bound-3").body(keyed)
                    .post("/tasks").statusCode() != 202) {
                org.junit.jupiter.api.Assertions.assertTrue(System.currentTimeMillis() < deadline,
                        "keys are freed when their window passes");
            }
        } finally {
            TestClock.advance(Duration.ofHours(-3));
        }
    }
}
