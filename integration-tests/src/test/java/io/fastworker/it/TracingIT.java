package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.it.OtlpReceiver.ReceivedSpan;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One trace across three processes: the signup example app (Quarkus + the FastWorker client), the control plane
 * and a subworker, all exporting to a real OTLP receiver.
 */
class TracingIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path SIGNUP_JAR = Daemon.packaged("signup");

    static OtlpReceiver receiver;
    static Daemon cp;
    static Daemon worker;
    static Daemon app;

    @BeforeAll
    static void start() throws Exception {
        receiver = new OtlpReceiver();
        Map<String, String> cpEnv = new HashMap<>(receiver.env("fastworker-control-plane"));
        cpEnv.put("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false");
        cpEnv.put("FASTWORKER_CALLBACKS_ALLOWED_HOSTS", "127.0.0.1"); // the test's receiver: internal, so named
        cp = Daemon.controlPlane(cpEnv);
        // The subworker exports over gRPC (Quarkus's default protocol), the others over http/protobuf.
        Map<String, String> workerEnv = new HashMap<>(receiver.grpcEnv("fastworker-subworker"));
        workerEnv.put("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=it");
        worker = Daemon.subworker(cp.linkAddress(), "trace-w1", 2, workerEnv, true);
        Map<String, String> appEnv = new HashMap<>(receiver.env("signup-app"));
        appEnv.put("FASTWORKER_URL", cp.url());
        app = Daemon.app(SIGNUP_JAR, appEnv);
    }

    @AfterAll
    static void stop() throws Exception {
        for (Daemon d : new Daemon[] {app, worker, cp}) {
            if (d != null) {
                d.close();
            }
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void signupRequestTaskDispatchAndExecutionFormOneTraceAcrossThreeProcesses() throws Exception {
        String secret = "user-7f3a9c-secret";
        HttpResponse<String> r = app.post("/signup", "{\"userId\": \"" + secret + "\"}");
        assertEquals(202, r.statusCode(), r.body());
        String taskId = JSON.readTree(r.body()).path("taskId").asText();
        assertEquals("success", awaitTask(taskId).path("status").asText());

        // Each process exports on its own schedule: wait for the app's submit span as well as the execute span.
        List<ReceivedSpan> spans = receiver.await(
                all -> Stream.of("fastworker.task.execute", "fastworker.client.submit")
                        .allMatch(name -> all.stream().anyMatch(s -> s.name().equals(name)
                                && taskId.equals(s.attributes().get("fastworker.task.id")))),
                Duration.ofSeconds(30), "the submit and execute spans of " + taskId);
        ReceivedSpan submit = only(spans, s -> s.name().equals("fastworker.client.submit")
                && taskId.equals(s.attributes().get("fastworker.task.id")));
        String traceId = submit.traceId();
        List<ReceivedSpan> trace = receiver.await(all -> all.stream().filter(s -> s.traceId().equals(traceId))
                .map(ReceivedSpan::name).toList().containsAll(List.of("POST /signup", "fastworker.client.submit",
                        "POST /tasks", "fastworker.control_plane.dispatch", "fastworker.task.execute")),
                Duration.ofSeconds(30), "all five spans of trace " + traceId)
                .stream().filter(s -> s.traceId().equals(traceId)).toList();

        ReceivedSpan appSpan = only(trace, s -> s.name().equals("POST /signup"));
        ReceivedSpan cpSpan = only(trace, s -> s.name().equals("POST /tasks"));
        ReceivedSpan dispatch = only(trace, s -> s.name().equals("fastworker.control_plane.dispatch"));
        ReceivedSpan execute = only(trace, s -> s.name().equals("fastworker.task.execute"));

        // The parent chain, hop by hop.
        assertEquals("", appSpan.parentSpanId(), "the app's request span is the root");
        assertEquals(appSpan.spanId(), submit.parentSpanId(), "client.submit is a child of the app's request");
        assertEquals(submit.spanId(), cpSpan.parentSpanId(), "the control plane's POST /tasks continues client.submit");
        assertEquals(cpSpan.spanId(), dispatch.parentSpanId(), "dispatch continues the submit request");
        assertEquals(dispatch.spanId(), execute.parentSpanId(), "execute continues dispatch, across the link");

        // Each span was emitted by the process that did the work.
        assertEquals("signup-app", appSpan.service());
        assertEquals("signup-app", submit.service());
        assertEquals("fastworker-control-plane", dispatch.service());
        assertEquals("fastworker-subworker", execute.service());
        assertEquals("it", execute.resource().get("deployment.environment"), "OTEL_RESOURCE_ATTRIBUTES applies");

        // Attributes that name the task, never its arguments.
        assertEquals("send_welcome_email", execute.attributes().get("fastworker.task.name"));
        assertEquals(taskId, execute.attributes().get("fastworker.task.id"));
        assertEquals("normal", execute.attributes().get("fastworker.task.priority"));
        assertEquals("1", execute.attributes().get("fastworker.task.attempt"));
        assertEquals("trace-w1", execute.attributes().get("fastworker.worker.id"));
        assertEquals("success", execute.attributes().get("fastworker.task.outcome"));
        assertEquals("trace-w1", dispatch.attributes().get("fastworker.worker.id"));
        for (ReceivedSpan s : receiver.spans()) {
            for (String v : s.allValues()) {
                assertFalse(v.contains(secret), s.name() + " carries the task argument: " + v);
            }
        }

        // The subworker's log line for this task carries the trace and span ids.
        String line = worker.log().lines().filter(l -> l.contains(taskId) && l.contains("welcome e-mail sent"))
                .findFirst().orElseThrow(() -> new AssertionError("no task log line for " + taskId));
        assertTrue(line.contains("traceId=" + traceId) && line.contains("spanId=" + execute.spanId()), line);
        assertFalse(worker.log().contains(secret), "the argument leaked into the subworker log");
    }

    @Test
    void aRetriedTaskGetsOneExecuteSpanPerAttemptInTheCallersTrace() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";
        String secret = "boom-secret-4411";
        HttpResponse<String> r = cp.post("/tasks", "{\"task\": \"fail\", \"args\": [\"" + secret + "\"], "
                + "\"maxRetries\": 1, \"retryDelay\": \"PT0.05S\"}",
                Map.of("traceparent", "00-" + traceId + "-" + callerSpan + "-01"));
        assertEquals(202, r.statusCode(), r.body());
        String taskId = JSON.readTree(r.body()).path("id").asText();
        JsonNode failed = awaitTask(taskId);
        assertEquals("failure", failed.path("status").asText());
        assertEquals(traceId, failed.path("traceId").asText(), "GET /tasks/{id} names the caller's trace");

        List<ReceivedSpan> executes = receiver.await(all -> all.stream().filter(s -> s.traceId().equals(traceId)
                && s.name().equals("fastworker.task.execute")).count() == 2, Duration.ofSeconds(30),
                "two execute spans in trace " + traceId).stream()
                .filter(s -> s.traceId().equals(traceId) && s.name().equals("fastworker.task.execute")).toList();
        assertEquals(List.of("1", "2"), executes.stream().map(s -> s.attributes().get("fastworker.task.attempt"))
                .sorted().toList());
        for (ReceivedSpan e : executes) {
            assertEquals(2, e.statusCode(), "an execute span of a failed attempt has status ERROR");
            assertEquals("task_error", e.attributes().get("fastworker.task.outcome"));
            assertTrue(e.eventValues().contains("java.lang.IllegalStateException"), e.eventValues().toString());
        }
        // The HTTP span may come in another export than the execute spans: wait for it too.
        ReceivedSpan cpSpan = only(receiver.await(all -> all.stream().anyMatch(s -> s.traceId().equals(traceId)
                && s.name().equals("POST /tasks")), Duration.ofSeconds(30), "the POST /tasks span in trace " + traceId),
                s -> s.traceId().equals(traceId) && s.name().equals("POST /tasks"));
        assertEquals(callerSpan, cpSpan.parentSpanId(), "the control plane continues the caller's traceparent");
        String cpLog = cp.log();
        String retryLine = cpLog.lines().filter(l -> l.contains("Task(id=" + taskId + ", name='fail', attempt=1/2)")
                && l.contains("retrying")).findFirst().orElseThrow(() -> new AssertionError(cpLog));
        assertTrue(retryLine.contains(" WARN "), retryLine);
        assertTrue(retryLine.contains("traceId=" + traceId), "the retry line is in the task's trace: " + retryLine);
        String finalLine = cpLog.lines().filter(l -> l.contains("Task(id=" + taskId + ", name='fail', attempt=2/2)")
                && l.contains(" ERROR ")).findFirst().orElseThrow(() -> new AssertionError(cpLog));
        assertTrue(finalLine.contains("traceId=" + traceId), finalLine);
        assertFalse(cpLog.contains(secret), "the failure message (the argument) stays out of the log");
        for (ReceivedSpan s : receiver.spans()) {
            for (String v : s.allValues()) {
                assertFalse(v.contains(secret), s.name() + " carries the task argument: " + v);
            }
        }
    }

    @Test
    void aCallbackCarriesTheTraceAndAScheduledTaskNamesItsScheduleOnItsSpan() throws Exception {
        String traceId = "5cf92f3577b34da6a3ce929d0e0e4736";
        try (CallbackReceiver hooks = CallbackReceiver.start()) {
            HttpResponse<String> r = cp.post("/tasks", "{\"task\": \"add\", \"args\": [1, 1], \"callback\": "
                    + "{\"url\": \"" + hooks.url("/ok") + "\"}}",
                    Map.of("traceparent", "00-" + traceId
                            + "-00f067aa0ba902b7-01"));
            assertEquals(202, r.statusCode(), r.body());
            String taskId = JSON.readTree(r.body()).path("id").asText();
            awaitTask(taskId);
            Daemon.await(() -> JSON.readTree(cp.get("/tasks/" + taskId).body()).path("callback").path("status")
                    .asText(), "delivered"::equals, Duration.ofSeconds(10), "the callback delivered");
            String traceparent = hooks.received("/ok", taskId).headers().get("traceparent");
            assertTrue(traceparent != null && traceparent.contains(traceId), "the callback is in the caller's trace: "
                    + traceparent);
        }
        assertEquals(201, cp.post("/schedules", "{\"id\": \"traced\", \"task\": \"noop\", \"every\": \"1s\"}")
                .statusCode());
        try {
            ReceivedSpan dispatch = receiver.await(all -> all.stream().anyMatch(s -> "traced".equals(
                    s.attributes().get("fastworker.schedule.id"))), Duration.ofSeconds(30),
                    "a dispatch span of schedule 'traced'").stream()
                    .filter(s -> "traced".equals(s.attributes().get("fastworker.schedule.id"))).findFirst()
                    .orElseThrow();
            assertEquals("fastworker.control_plane.dispatch", dispatch.name());
            String tick = dispatch.attributes().get("fastworker.schedule.tick");
            assertEquals("traced:" + tick, dispatch.attributes().get("fastworker.task.id"));
        } finally {
            cp.request("DELETE", "/schedules/traced", null, Map.of());
        }
    }

    @Test
    void tasksDispatchedSeveralPerFrameKeepTheirOwnTraceContext() throws Exception {
        String traceId = "7bf92f3577b34da6a3ce929d0e0e4736";
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"task\": \"sleep\", \"args\": [20]}");
        }
        HttpResponse<String> r = cp.post("/tasks/batch", batch.append("]").toString(),
                Map.of("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01"));
        assertEquals(202, r.statusCode(), r.body());
        for (JsonNode id : JSON.readTree(r.body()).path("ids")) {
            assertEquals("success", awaitTask(id.asText()).path("status").asText());
        }
        List<ReceivedSpan> trace = receiver.await(all -> all.stream().filter(s -> s.traceId().equals(traceId)
                && s.name().equals("fastworker.task.execute")).count() == 20
                && all.stream().filter(s -> s.traceId().equals(traceId)
                        && s.name().equals("fastworker.control_plane.dispatch")).count() == 20,
                Duration.ofSeconds(30), "20 dispatch and 20 execute spans in trace " + traceId).stream()
                .filter(s -> s.traceId().equals(traceId)).toList();
        List<ReceivedSpan> executes = trace.stream().filter(s -> s.name().equals("fastworker.task.execute")).toList();
        for (ReceivedSpan e : executes) {
            ReceivedSpan dispatch = only(trace, s -> s.spanId().equals(e.parentSpanId()));
            assertEquals("fastworker.control_plane.dispatch", dispatch.name());
            assertEquals(e.attributes().get("fastworker.task.id"), dispatch.attributes().get("fastworker.task.id"),
                    "each execute span continues the dispatch span of its own task");
        }
    }

    @Test
    void theCliSubmitSpanContinuesTheTraceparentOfItsEnvironment() throws Exception {
        String traceId = "0af7651916cd43dd8448eb211c80319c";
        String scriptSpan = "b7ad6b7169203331";
        Map<String, String> env = new HashMap<>(receiver.env("fastworker-cli"));
        env.remove("OTEL_SERVICE_NAME"); // the CLI names itself fastworker-cli
        env.put("TRACEPARENT", "00-" + traceId + "-" + scriptSpan + "-01");
        Daemon.Result r = Daemon.run(env, "submit", "--url", cp.url(), "--task-name", "add", "--args", "20", "22");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("42", r.stdout().trim());

        List<ReceivedSpan> trace = receiver.await(all -> all.stream().filter(s -> s.traceId().equals(traceId))
                .map(ReceivedSpan::name).toList().containsAll(List.of("fastworker.client.submit", "POST /tasks",
                        "fastworker.control_plane.dispatch", "fastworker.task.execute")),
                Duration.ofSeconds(30), "the CLI's trace " + traceId)
                .stream().filter(s -> s.traceId().equals(traceId)).toList();
        ReceivedSpan submit = only(trace, s -> s.name().equals("fastworker.client.submit"));
        assertEquals(scriptSpan, submit.parentSpanId());
        assertEquals("fastworker-cli", submit.service());
        assertEquals("add", submit.attributes().get("fastworker.task.name"));
        ReceivedSpan cpSpan = only(trace, s -> s.name().equals("POST /tasks"));
        assertEquals(submit.spanId(), cpSpan.parentSpanId());
        assertEquals("fastworker-subworker", only(trace, s -> s.name().equals("fastworker.task.execute")).service());
    }

    @Test
    void theCliExportsOverGrpcByDefaultLikeTheDaemons() throws Exception {
        String traceId = "1af7651916cd43dd8448eb211c80319c";
        Map<String, String> env = new HashMap<>(receiver.grpcEnv("fastworker-cli"));
        env.remove("OTEL_EXPORTER_OTLP_PROTOCOL"); // the default, as in the daemons: grpc
        env.put("TRACEPARENT", "00-" + traceId + "-b7ad6b7169203331-01");
        Daemon.Result r = Daemon.run(env, "submit", "--url", cp.url(), "--task-name", "add", "--args", "1", "2");
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("3", r.stdout().trim());
        assertFalse(r.stderr().contains("Warning"), r.stderr());
        receiver.await(all -> all.stream().anyMatch(s -> s.traceId().equals(traceId)
                && s.name().equals("fastworker.client.submit")), Duration.ofSeconds(30), "the CLI span over gRPC");
    }

    @Test
    void aDeadCollectorCostsTheCliOneWarningLineNotTenSeconds() throws Exception {
        Map<String, String> env = new HashMap<>(receiver.env("fastworker-cli"));
        env.remove("OTEL_EXPORTER_OTLP_PROTOCOL");
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + Daemon.freePort());
        long t0 = System.nanoTime();
        Daemon.Result r = Daemon.run(env, "submit", "--url", cp.url(), "--task-name", "add", "--args", "2", "2");
        long took = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(0, r.exitCode(), r.all());
        assertEquals("4", r.stdout().trim());
        List<String> warnings = r.stderr().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, warnings.size(), "one line on stderr: " + r.stderr());
        assertTrue(warnings.get(0).startsWith("Warning: the trace of this command could not be exported to http://"),
                warnings.get(0));
        System.out.println("CLI submit with a dead collector took " + took + " ms");
        assertTrue(took < 8000, "the export is bounded (it took " + took + " ms)");
    }

    @Test
    void aSubworkerWithADeadCollectorStillStopsPromptly() throws Exception {
        Map<String, String> env = new HashMap<>(receiver.grpcEnv("fastworker-subworker"));
        env.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + Daemon.freePort());
        Daemon w = Daemon.subworker(cp.linkAddress(), "dead-collector", 1, env, true);
        HttpResponse<String> r = cp.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [1, 1]}");
        assertEquals(200, r.statusCode(), r.body());
        long t0 = System.nanoTime();
        int status = w.terminate(Duration.ofSeconds(30));
        long took = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("subworker with a dead collector stopped in " + took + " ms");
        assertTrue(status == 0 || status == 143, "exit status " + status);
        assertTrue(took < 6000, "the final export is bounded; stopping took " + took + " ms");
        w.close();
    }

    @Test
    void theFastworkerMetricsAreExportedOverOtlpToo() throws Exception {
        Daemon.await(receiver::metricNames, names -> names.containsAll(List.of("fastworker.tasks.submitted",
                "fastworker.workers.active", "fastworker.queue.depth")), Duration.ofSeconds(20),
                "the fastworker meters exported over OTLP");
    }

    @Test
    void withTheSwitchOffNothingIsExportedEvenWithAnEndpointSet() throws Exception {
        Map<String, String> env = new HashMap<>(receiver.env("fastworker-switched-off"));
        env.remove("FASTWORKER_OTEL_ENABLED");
        try (Daemon off = Daemon.controlPlane(env)) {
            HttpResponse<String> r = off.post("/tasks?wait=10s", "{\"task\": \"add\", \"args\": [1, 2]}",
                    Map.of("traceparent", "00-5bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
            assertEquals(200, r.statusCode(), r.body());
            Thread.sleep(2500); // well past the export intervals the switched-on processes use
            assertTrue(receiver.spans().stream().noneMatch(s -> "fastworker-switched-off".equals(s.service())));
            assertFalse(off.log().contains("traceId="), "no trace ids in logs with the switch off");
        }
    }

    static JsonNode awaitTask(String id) throws Exception {
        HttpResponse<String> r = cp.get("/tasks/" + id + "?wait=20s");
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static ReceivedSpan only(List<ReceivedSpan> spans, Predicate<ReceivedSpan> which) {
        List<ReceivedSpan> found = spans.stream().filter(which).toList();
        assertEquals(1, found.size(), "expected one matching span, got " + found);
        Optional<ReceivedSpan> one = found.stream().findFirst();
        assertNotNull(one.orElse(null));
        return one.get();
    }
}
