package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** A control plane stopped with SIGTERM refuses new work, lets running tasks report, and says what it leaves. */
class DrainIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aStoppingControlPlaneRefusesNewWorkWaitsForRunningTasksAndCountsWhatItLeaves() throws Exception {
        Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
        try (Daemon worker = Daemon.subworker(cp.linkAddress(), "drainee", 2, Map.of(), true)) {
            HttpResponse<String> r = cp.post("/tasks/batch", "[" + "{\"task\": \"sleep\", \"args\": [2500]},".repeat(7)
                    + "{\"task\": \"sleep\", \"args\": [2500]}]");
            assertEquals(202, r.statusCode(), r.body());
            long deadline = System.currentTimeMillis() + 20_000;
            while (!cp.get("/workers").body().contains("\"inFlight\":2")) {
                assertTrue(System.currentTimeMillis() < deadline,
                        "two tasks never started: " + cp.get("/workers").body());
                Thread.sleep(20);
            }
            cp.signalTerm();
            boolean sawRefusal = false;
            boolean sawNotReady = false;
            while (cp.alive() && !(sawRefusal && sawNotReady)) {
                try {
                    HttpResponse<String> submit = cp.post("/tasks", "{\"task\": \"noop\"}");
                    if (submit.statusCode() == 503) {
                        assertTrue(submit.body().contains("not accepting"), submit.body());
                        assertTrue(submit.headers().firstValue("Retry-After").isPresent());
                        sawRefusal = true;
                    } else {
                        assertEquals(202, submit.statusCode(), "before the stop took hold: " + submit.body());
                    }
                    sawNotReady |= cp.get("/q/health/ready").statusCode() == 503;
                } catch (IOException closed) {
                    break;
                }
            }
            assertTrue(sawRefusal && sawNotReady, "while draining, submissions get 503 and readiness is DOWN");
            int status = cp.awaitExit(Duration.ofSeconds(40));
            assertTrue(status == 0 || status == 143, "exit status " + status);
            String log = cp.log();
            assertTrue(log.contains("waiting up to PT30S for 2 running tasks"), log);
            Matcher left = Pattern.compile("stopping with (\\d+) unfinished tasks \\((\\d+) queued\\), kept in the "
                    + "task store for the next start")
                    .matcher(log);
            assertTrue(left.find(), log);
            assertEquals(left.group(1), left.group(2), "only queued tasks are left; the running ones reported: " + log);
            assertFalse(log.contains("Exception"), "no errors while stopping: " + log);
            String metrics = worker.get("/q/metrics").body();
            assertEquals(2, Daemon.metric(metrics,
                    "fastworker_worker_completed_total{status=\"success\",task=\"sleep\",worker=\"drainee\"}"),
                    "the two running tasks finished: " + metrics);
        } finally {
            cp.close();
        }
    }

}
