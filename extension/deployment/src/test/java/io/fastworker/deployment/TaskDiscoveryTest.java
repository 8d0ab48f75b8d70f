package io.fastworker.deployment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.fastworker.task.Task;
import io.fastworker.task.TaskFailureException;
import io.quarkus.test.QuarkusUnitTest;
import io.restassured.http.ContentType;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An application that adds the extension and writes @Task methods, and nothing else (no @RegisterForReflection, no
 * ArC settings): its tasks are found at build time and run over HTTP, records and collections bound from JSON, and
 * failures said to be final are not retried.
 */
class TaskDiscoveryTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(GreetingTasks.class, GreetingTasks.Person.class));

    @ApplicationScoped
    public static class GreetingTasks {

        public record Person(String name, List<String> titles) {
        }

        @Task
        public String greet(Person person) {
            return "Hello, " + String.join(" ", person.titles()) + " " + person.name();
        }

        @Task(name = "sum_all")
        public long sum(Map<String, Long> values) {
            return values.values().stream().mapToLong(Long::longValue).sum();
        }

        @Task(maxRetries = 3, retryDelay = "10ms")
        public void refuse(String why) throws TaskFailureException {
            throw TaskFailureException.nonRetryable("refused: " + why);
        }

        @Task(maxRetries = 3, retryDelay = "10ms", doNotRetry = IllegalArgumentException.class)
        public void validate(int n) {
            throw new IllegalArgumentException("n=" + n + " is out of range");
        }

        @Task(cron = "0 3 * * 1-5", timezone = "Europe/Berlin")
        public void nightly() {
        }

        @Task(maxConcurrency = 1, rateLimit = "5/s")
        public long throttled(long n) {
            return n;
        }

        @Task(maxRetries = 2, retryDelay = "10ms")
        public void flaky() {
            throw new IllegalStateException("try again");
        }
    }

    private static io.restassured.response.ValidatableResponse run(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/tasks?wait=20s").then().statusCode(200);
    }

    @Test
    void tasksAreFoundAtBuildTimeAndRun() {
        given().get("/registry").then().statusCode(200).body("name", hasItem("greet")).body("name", hasItem("sum_all"))
                .body("find { it.name == 'greet' }.parameters", equalTo(List.of("person")));
        run("{\"task\": \"greet\", \"args\": [{\"name\": \"Ada\", \"titles\": [\"Dr\"]}]}")
                .body("status", equalTo("success")).body("result", equalTo("Hello, Dr Ada"));
        run("{\"task\": \"sum_all\", \"kwargs\": {\"values\": {\"a\": 2, \"b\": 40}}}").body("result", equalTo(42));
    }

    @Test
    void aTaskWithACronIsScheduled() {
        given().get("/schedules/nightly").then().statusCode(200).body("source", equalTo("annotation"))
                .body("task", equalTo("nightly")).body("cron", equalTo("0 3 * * 1-5"))
                .body("timezone", equalTo("Europe/Berlin")).body("paused", equalTo(false));
        given().delete("/schedules/nightly").then().statusCode(409);
    }

    @Test
    void aTasksOwnLimitIsInForce() {
        given().get("/limits/throttled").then().statusCode(200).body("source", equalTo("annotation"))
                .body("maxConcurrency", equalTo(1)).body("rateLimit", equalTo("5/s"));
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body("{\"task\": \"throttled\", \"args\": [" + i + "]}")
                    .post("/tasks").then().statusCode(202);
        }
        run("{\"task\": \"throttled\", \"args\": [3]}").body("result", equalTo(3));
        // Four starts at 5/s: the last one at least 3 intervals (600 ms) after the first.
        org.junit.jupiter.api.Assertions.assertTrue(System.nanoTime() - t0 >= 550_000_000L);
    }

    @Test
    void aFailureTheBodySaysIsFinalIsNotRetried() {
        run("{\"task\": \"refuse\", \"args\": [\"no\"]}").body("status", equalTo("failure"))
                .body("attempts", equalTo(1)).body("maxAttempts", equalTo(4))
                .body("error.type", equalTo("task_error")).body("error.message", equalTo("refused: no"))
                .body("error.nonRetryable", equalTo(true));
        run("{\"task\": \"validate\", \"args\": [7]}").body("status", equalTo("failure")).body("attempts", equalTo(1))
                .body("error.exception", equalTo("java.lang.IllegalArgumentException"))
                .body("error.nonRetryable", equalTo(true));
        run("{\"task\": \"flaky\"}").body("status", equalTo("failure")).body("attempts", equalTo(3))
                .body("error.nonRetryable", equalTo(null));
    }
}
