package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Roles, help, configuration precedence and start-up validation of the packaged binary. */
class LaunchIT {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void missingRoleIsAUsageErrorListingTheRoles() throws Exception {
        Daemon.Result r = Daemon.run(Map.of());
        assertEquals(2, r.exitCode(), r.all());
        assertTrue(r.stderr().contains("valid roles: control-plane, subworker"), r.all());
    }

    @Test
    void unknownRoleIsAUsageErrorListingTheRoles() throws Exception {
        Daemon.Result r = Daemon.run(Map.of(), "--role", "scheduler");
        assertEquals(2, r.exitCode(), r.all());
        assertTrue(r.stderr().contains("unknown role 'scheduler'; valid roles: control-plane, subworker"), r.all());
    }

    @Test
    void helpWorksOnEveryCommand() throws Exception {
        Daemon.Result top = Daemon.run(Map.of(), "--help");
        assertEquals(0, top.exitCode(), top.all());
        assertTrue(top.stdout().contains("--role") && top.stdout().contains("submit"), top.stdout());
        for (String command : new String[] {"submit", "status", "cancel", "list"}) {
            Daemon.Result r = Daemon.run(Map.of(), command, "--help");
            assertEquals(0, r.exitCode(), command + ": " + r.all());
            assertTrue(r.stdout().contains("Usage: fastworker " + command), r.stdout());
        }
        String status = Daemon.run(Map.of(), "status", "--help").stdout();
        // picocli aligns descriptions in one column, as wide as the longest option: match any run of spaces
        assertTrue(java.util.regex.Pattern.compile("--task-id=ID +the task's id").matcher(status).find(),
                "every option has help text:\n" + status);
        assertTrue(java.util.regex.Pattern.compile("--trust-cert=PEM +for an https URL").matcher(status).find(),
                status);
        assertTrue(top.stdout().contains("4   submit: the task had not finished"), top.stdout());
    }

    @Test
    void busyPortsStopStartUpWithOneLineNamingTheSetting() throws Exception {
        try (Daemon first = Daemon.controlPlane(Map.of())) {
            Daemon.Result link = Daemon.run(Map.of("QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())),
                    "--role", "control-plane", "--link-port", String.valueOf(first.linkPort));
            assertEquals(1, link.exitCode(), link.all());
            assertTrue(link.all().contains("link port " + first.linkPort + " on 0.0.0.0 is in use "
                    + "(fastworker.link.port / FASTWORKER_LINK_PORT, --link-port)"), link.all());
            assertTrue(link.all().lines().noneMatch(l -> l.trim().startsWith("at ")), "no stack trace:\n" + link.all());

            Daemon.Result http = Daemon.run(Map.of("QUARKUS_HTTP_PORT", String.valueOf(first.port)),
                    "--role", "control-plane", "--link-port", String.valueOf(Daemon.freePort()));
            assertEquals(1, http.exitCode(), http.all());
            assertTrue(http.all().contains("HTTP port " + first.port + " on 0.0.0.0 is in use "
                    + "(quarkus.http.port / QUARKUS_HTTP_PORT)"), http.all());
            assertTrue(http.all().lines().noneMatch(l -> l.trim().startsWith("at ")), "no stack trace:\n" + http.all());
            assertEquals(200, first.get("/q/health/ready").statusCode(), "the first one is untouched");
        }
    }

    @Test
    void subworkerWithoutControlPlaneLoadsItsProfileKeepsRetryingAndIsNotReady() throws Exception {
        Daemon w = Daemon.subworker("tcp://127.0.0.1:" + Daemon.freePort(), "lonely", 1, Map.of(), false);
        try {
            Daemon.await(w::log, l -> l.contains("reconnecting") && l.contains("Profiles"), Duration.ofSeconds(30),
                    "the subworker retrying");
            assertTrue(w.log().contains("Profiles subworker,prod activated")
                    || w.log().contains("Profiles prod,subworker activated"), w.log());
            assertTrue(w.log().contains("link to tcp://127.0.0.1:"), w.log());
            assertEquals(503, w.get("/q/health/ready").statusCode());
            assertEquals(200, w.get("/q/health/live").statusCode());
            Thread.sleep(1500);
            assertEquals(1, w.log().split("reconnecting", -1).length - 1, "a state change is logged once:\n"
                    + w.log());
        } finally {
            int status = w.terminate(java.time.Duration.ofSeconds(30));
            assertTrue(status == 0 || status == 143, "SIGTERM exit status " + status);
        }
    }

    @Test
    void flagBeatsEnvironmentWhichBeatsDefault() throws Exception {
        try (Daemon d = Daemon.start(Map.of("FASTWORKER_CONCURRENCY", "3", "FASTWORKER_WORKER_ID", "from-env"),
                "--role", "control-plane", "--concurrency", "5", "--result-cache-ttl", "4")) {
            var worker = JSON.readTree(d.get("/workers").body()).get(0);
            assertEquals(5, worker.get("concurrency").asInt());
            assertEquals("from-env", worker.get("id").asText());
            String id = JSON.readTree(d.post("/tasks?wait=5s", "{\"task\": \"noop\"}").body()).get("id").asText();
            assertEquals(200, d.get("/tasks/" + id).statusCode());
            Thread.sleep(5000);
            assertEquals(404, d.get("/tasks/" + id).statusCode(), "--result-cache-ttl 4 means four seconds");
        }
        try (Daemon d = Daemon.start(Map.of("FASTWORKER_CONCURRENCY", "3"), "--role", "control-plane")) {
            assertEquals(3, JSON.readTree(d.get("/workers").body()).get(0).get("concurrency").asInt());
        }
    }

    @Test
    void invalidSettingStopsStartUpNamingTheProperty() throws Exception {
        Daemon.Result zero = Daemon.run(Map.of("FASTWORKER_CONCURRENCY", "0",
                "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())), "--role", "control-plane");
        assertNotEquals(0, zero.exitCode(), zero.all());
        assertTrue(zero.all().contains("fastworker.concurrency"), zero.all());

        Daemon.Result negative = Daemon.run(Map.of("QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())),
                "--role", "control-plane", "--result-cache-size", "-5");
        assertNotEquals(0, negative.exitCode(), negative.all());
        assertTrue(negative.all().contains("fastworker.result-cache.size"), negative.all());

        Daemon.Result badTtl = Daemon.run(Map.of("FASTWORKER_RESULT_CACHE_TTL", "0",
                "FASTWORKER_TASK_DEFAULTS_TIMEOUT", "PT0.001S", "FASTWORKER_RESULT_MAX_SIZE", "10",
                "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())), "--role", "control-plane");
        assertNotEquals(0, badTtl.exitCode(), badTtl.all());
        assertTrue(badTtl.all().contains("fastworker.result-cache.ttl"), badTtl.all());
        assertTrue(badTtl.all().contains("fastworker.task-defaults.timeout (env FASTWORKER_TASK_DEFAULTS_TIMEOUT) "
                + "must be at least 10 ms"), badTtl.all());
        assertTrue(badTtl.all().contains("fastworker.result.max-size (env FASTWORKER_RESULT_MAX_SIZE) must be from "
                + "1024"), badTtl.all());

        Daemon.Result absurd = Daemon.run(Map.of("FASTWORKER_TASK_DEFAULTS_TIMEOUT", "PT1000000H",
                "FASTWORKER_API_MAX_WAIT", "PT2562048H", "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())),
                "--role", "control-plane");
        assertNotEquals(0, absurd.exitCode(), absurd.all());
        assertTrue(absurd.all().contains("fastworker.task-defaults.timeout (env FASTWORKER_TASK_DEFAULTS_TIMEOUT) "
                + "must be at most PT168H"), absurd.all());
        assertTrue(absurd.all().contains("fastworker.api.max-wait (env FASTWORKER_API_MAX_WAIT) must be at most PT1H"),
                absurd.all());

        Daemon.Result noPlaceholder = Daemon.run(Map.of("FASTWORKER_UI_TRACE_URL", "javascript:alert(1)",
                "QUARKUS_HTTP_PORT", String.valueOf(Daemon.freePort())), "--role", "control-plane");
        assertNotEquals(0, noPlaceholder.exitCode(), noPlaceholder.all());
        assertTrue(noPlaceholder.all().contains("fastworker.ui.trace-url"), noPlaceholder.all());
    }
}
