package io.fastworker.engine;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Readiness tells the truth when an executor thread is gone: the control plane is then DOWN, so an orchestrator
 * takes it out of service instead of sending it tasks it will never run. (Its own app: a thread is killed.)
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
    void readinessIsDownOnceAnExecutorThreadHasDied() throws InterruptedException {
        Assumptions.assumeTrue(Runtime.version().feature() < 20, "Thread.stop is gone after Java 19");
        given().get("/q/health/ready").then().statusCode(200);
        Thread victim = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("fastworker-exec-1")).findFirst().orElseThrow();
        victim.stop(); // what an Error escaping the executor's own code would do
        victim.join(10_000);
        given().get("/q/health/ready").then().statusCode(503).body("checks.find { it.name == 'task-queue' }"
                + ".data.executor", equalTo("stopped"));
    }
}
