package io.fastworker.engine;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Liveness tells the truth when a thread the control plane needs is stuck or gone (before, a dead dispatcher left
 * liveness UP while accepted tasks stayed queued forever): DOWN, naming it, so that an orchestrator restarts the
 * process. (Its own app, with the disk store and a 1 s stall timeout: threads are suspended and killed.)
 */
@QuarkusTest
@TestProfile(StalledThreadsTest.Own.class)
class StalledThreadsTest {

    public static class Own implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                return Map.of("fastworker.store.mode", "disk", "fastworker.store.path",
                        Files.createTempDirectory("fastworker-stalled-").toString(), "fastworker.health.stall-timeout",
                        "PT1S");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + name));
    }

    static void awaitLive(int status, String problem) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (given().get("/q/health/live").statusCode() != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("liveness is not " + status + ": " + given().get("/q/health/live").asString());
            }
            Thread.sleep(100);
        }
        if (problem != null) {
            given().get("/q/health/live").then().body("checks.find { it.name == 'threads' }.data.values()",
                    hasItem(containsString(problem)));
        }
    }

    @Test
    @SuppressWarnings({"deprecation", "removal"})
    void livenessIsDownWhileANeededThreadIsStuckAndOnceOneDied() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() < 20, "Thread.suspend and stop are gone after Java 19");
        awaitLive(200, null);

        Thread timers = thread("fastworker-timers");
        timers.suspend(); // as a timer task that never returns would hold it
        try {
            awaitLive(503, "timers: no progress for");
        } finally {
            timers.resume();
        }
        awaitLive(200, null);

        Thread journal = thread("fastworker-journal");
        journal.stop(); // what an Error escaping the writer would do
        journal.join(10_000);
        awaitLive(503, "journal: its writer thread died");

        Thread dispatch = thread("fastworker-dispatch");
        dispatch.stop();
        dispatch.join(10_000);
        awaitLive(503, "dispatch: its thread died");
    }
}
