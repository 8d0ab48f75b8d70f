package io.fastworker.engine;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.fastworker.TestTasks;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * An executor thread that dies is replaced and the control plane stays ready. (Its own app: a thread is killed,
 * which only platform threads before Java 20 allow; on virtual threads there is no long-lived executor thread to
 * lose.) That bodies ending in an {@link Error} give their slots back is {@code ExecutionTest}'s.
 */
@QuarkusTest
@TestProfile(ExecutorDeathTest.Own.class)
class ExecutorDeathTest {

    public static class Own implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fastworker.concurrency", "2");
        }
    }

    @Test
    @SuppressWarnings({"deprecation", "removal"})
    void anExecutorThreadThatDiesIsReplacedAndTheControlPlaneStaysReady() throws InterruptedException {
        Assumptions.assumeTrue(Runtime.version().feature() < 20, "Thread.stop is gone after Java 19");
        given().get("/q/health/ready").then().statusCode(200);
        twoRunAtOnce("before-" + System.nanoTime()); // both executor threads exist now
        Thread victim = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("fastworker-exec-1")).findFirst().orElseThrow();
        victim.stop(); // what an Error escaping the executor's own code would do
        victim.join(10_000);
        given().get("/q/health/ready").then().statusCode(200).body("checks.find { it.name == 'task-queue' }"
                + ".data.executor", equalTo("running"));
        // No tasks after this: the idle thread was stopped inside the JDK's queue, where an asynchronous
        // ThreadDeath can leave the queue's lock unusable (a CI run once hung a task so); no Error thrown by code
        // does that.
    }

    /** Submits two tasks that hold an executor each until opened; asserts that both run at once, then ends them. */
    private static void twoRunAtOnce(String key) throws InterruptedException {
        List<String> ids = List.of(submit(key), submit(key));
        long deadline = System.currentTimeMillis() + 30_000;
        while (!ids.stream().allMatch(id -> "running".equals(given().get("/tasks/" + id).path("status")))) {
            if (System.currentTimeMillis() > deadline) {
                TestTasks.open(key);
                throw new AssertionError("two tasks did not run at once on an executor of concurrency 2");
            }
            Thread.sleep(10);
        }
        TestTasks.open(key);
        for (String id : ids) {
            given().get("/tasks/" + id + "?wait=15s").then().statusCode(200).body("status", equalTo("success"));
        }
    }

    private static String submit(String key) {
        return given().contentType(ContentType.JSON).body("{\"task\": \"gate\", \"args\": [\"" + key + "\"]}")
                .post("/tasks").then().statusCode(202).extract().path("id");
    }
}
