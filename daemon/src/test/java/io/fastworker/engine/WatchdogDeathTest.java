package io.fastworker.engine;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Liveness tells the truth when the attempt watchdog is gone (no attempt would time out or be abandoned after a
 * cancel any more): the process is then DOWN, so an orchestrator restarts it. (Its own app: the thread is killed.)
 */
@QuarkusTest
@TestProfile(WatchdogDeathTest.Own.class)
class WatchdogDeathTest {

    public static class Own implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("fastworker.concurrency", "1");
        }
    }

    @Test
    @SuppressWarnings({"deprecation", "removal"})
    void livenessIsDownOnceTheAttemptWatchdogHasDied() throws InterruptedException {
        Assumptions.assumeTrue(Runtime.version().feature() < 20, "Thread.stop is gone after Java 19");
        given().get("/q/health/live").then().statusCode(200);
        Thread victim = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("fastworker-watchdog")).findFirst().orElseThrow();
        victim.stop(); // what an Error escaping the watchdog's own code would do
        victim.join(10_000);
        given().get("/q/health/live").then().statusCode(503).body(containsString("attempt watchdog: its thread died"));
    }
}
