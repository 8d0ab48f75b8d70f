package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import io.fastworker.client.TaskRequest;
import io.fastworker.client.TaskResult;
import io.fastworker.task.Priority;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java client library against a real control plane, the packaged daemon started as a process. */
class ClientLibraryIT {

    static Daemon cp;
    static FastWorkerClient shared;

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of());
        shared = FastWorkerClient.builder().url(cp.url()).resultTimeout(Duration.ofSeconds(20)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (shared != null) {
            shared.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    FastWorkerClient client() {
        return shared;
    }

    @Test
    void delayReturnsTheIdAndResultWaitsForTheOutcome() {
        FastWorkerClient client = client();
        String id = client.delay("add", 2, 3);
        TaskResult r = client.result(id, Duration.ofSeconds(20));
        assertTrue(r.succeeded(), r.toString());
        assertEquals(id, r.id());
        assertEquals("add", r.task());
        assertEquals(5, r.resultAs(Integer.class));
        assertEquals(1, r.attempts());
    }

    @Test
    void submitWaitsAndReportsFailuresWithTheirType() {
        FastWorkerClient client = client();
        assertEquals(Map.of("a", List.of(1, 2)), client.submit("echo", Map.of("a", List.of(1, 2))).resultAs(Map.class));
        TaskResult failed = client.submit(TaskRequest.of("fail", "nope").withMaxRetries(0), Duration.ofSeconds(20));
        assertEquals("failure", failed.status());
        assertEquals("task_error", failed.errorType());
        assertEquals("nope", failed.errorMessage());
        assertNull(failed.result());
    }

    @Test
    void resultWithoutWaitingShowsTheTaskAsItIsNow() {
        FastWorkerClient client = client();
        String id = client.delay(TaskRequest.of("sleep", 300).withPriority(Priority.HIGH));
        TaskResult now = client.result(id);
        assertFalse(now.done(), now.toString());
        assertTrue(client.result(id, Duration.ofSeconds(20)).succeeded());
    }

    @Test
    void aBatchIsAcceptedWholeWithIdsInOrder() {
        FastWorkerClient client = client();
        List<String> ids = client.delayBatch(List.of(TaskRequest.of("add", 1, 1), TaskRequest.of("add", 2, 2),
                TaskRequest.of("add", 3, 3).withId("client-batch-3")));
        assertEquals(3, ids.size());
        assertEquals("client-batch-3", ids.get(2));
        for (int i = 0; i < 3; i++) {
            assertEquals(2 * (i + 1), client.result(ids.get(i), Duration.ofSeconds(20)).resultAs(Integer.class));
        }
    }

    @Test
    void asyncVariantsCompleteWithoutBlockingTheCaller() throws Exception {
        FastWorkerClient client = client();
        CompletableFuture<TaskResult> a = client.submitAsync("add", 10, 1);
        CompletableFuture<TaskResult> b = client.submitAsync("add", 20, 2);
        CompletableFuture<List<String>> batch = client.delayBatchAsync(List.of(TaskRequest.of("noop")));
        assertEquals(11, a.get().resultAs(Integer.class));
        assertEquals(22, b.get().resultAs(Integer.class));
        assertTrue(client.resultAsync(batch.get().get(0), Duration.ofSeconds(20)).get().succeeded());
    }

    @Test
    void whenCompleteFollowsATaskToItsEndWithoutBlocking() throws Exception {
        FastWorkerClient client = client();
        String id = client.delay("sleep", 1500);
        CompletableFuture<TaskResult> done = client.whenComplete(id);
        assertFalse(done.isDone(), "still running");
        TaskResult r = done.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("success", r.status());
        assertEquals(1500L, r.resultAs(Long.class));
        CompletableFuture<TaskResult> unknown = client.whenComplete("no-such-task");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> unknown.get(10, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof FastWorkerException, e.toString());
    }

    @Test
    void refusalsCarryTheProblemDetail() {
        FastWorkerClient client = client();
        FastWorkerException unknown = assertThrows(FastWorkerException.class, () -> client.delay("no_such_task"));
        assertEquals(400, unknown.status());
        assertTrue(unknown.getMessage().contains("no_such_task"), unknown.getMessage());
        assertFalse(unknown.retryable());

        FastWorkerException missing = assertThrows(FastWorkerException.class, () -> client.result("never-submitted"));
        assertEquals(404, missing.status());

        client.delay(TaskRequest.of("noop").withId("client-dup"));
        FastWorkerException dup = assertThrows(FastWorkerException.class,
                () -> client.delay(TaskRequest.of("noop").withId("client-dup")));
        assertEquals(409, dup.status());

        ExecutionException async = assertThrows(ExecutionException.class,
                () -> client.delayAsync("no_such_task").get());
        assertTrue(async.getCause() instanceof FastWorkerException, async.toString());
    }

    @Test
    void cancelStopsAWaitingTaskOnly() {
        FastWorkerClient client = client();
        String later = client.delay(TaskRequest.of("noop").withCountdown(Duration.ofMinutes(5)));
        assertTrue(client.cancel(later));
        assertEquals("cancelled", client.result(later).status());
        assertFalse(client.cancel(later), "a cancelled task cannot be cancelled again");
    }

    @Test
    void anUnreachableControlPlaneIsARetryableError() {
        FastWorkerClient client = FastWorkerClient.builder().url("http://127.0.0.1:1")
                .connectTimeout(Duration.ofSeconds(1)).build();
        FastWorkerException e = assertThrows(FastWorkerException.class, () -> client.delay("noop"));
        assertEquals(0, e.status());
        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("cannot reach the control plane at http://127.0.0.1:1"), e.getMessage());
    }

    @Test
    void readyIsWhatTheReadinessProbeSays() throws Exception {
        assertTrue(client().ready(), "a started control plane is ready");
        try (FastWorkerClient nobody = FastWorkerClient.builder().url("http://127.0.0.1:1")
                .connectTimeout(Duration.ofSeconds(1)).build()) {
            assertFalse(nobody.ready(), "nothing listens there");
        }
        // a subworker whose control plane cannot be reached is alive and answers, but is not ready
        try (Daemon lonely = Daemon.subworker("tcp://127.0.0.1:1", "lonely", 1, Map.of(), false);
                FastWorkerClient probe = FastWorkerClient.builder().url(lonely.url()).build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!alive(lonely)) {
                assertTrue(System.nanoTime() < deadline, "the subworker answers within 60 s:\n" + lonely.log());
                Thread.sleep(50);
            }
            assertFalse(probe.ready(), lonely.get("/q/health/ready").body());
        }
    }

    private static boolean alive(Daemon d) {
        try {
            return d.get("/q/health/live").statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void badRequestsAreRefusedBeforeAnythingIsSent() {
        assertThrows(IllegalArgumentException.class, () -> FastWorkerClient.builder().url("localhost:8080"));
        assertThrows(IllegalArgumentException.class, () -> TaskRequest.of("noop").withMaxRetries(-1));
        assertThrows(IllegalArgumentException.class, () -> TaskRequest.of(" "));
        assertThrows(IllegalArgumentException.class, () -> client().delay("echo", new Object() {
            @SuppressWarnings("unused")
            public Object getSelf() {
                return this;
            }
        }));
    }

    @Test
    void everyOptionOfARequestReachesTheControlPlane() {
        FastWorkerClient client = client();
        TaskResult failed = client.submit(TaskRequest.of("fail", "x").withPriority(Priority.CRITICAL).withMaxRetries(2)
                .withRetryDelay(Duration.ofMillis(100)).withRetryBackoff(3.0)
                .withRetryBackoffMax(Duration.ofMillis(200))
                .withTimeout(Duration.ofSeconds(5)), Duration.ofSeconds(20));
        assertEquals("failure", failed.status());
        assertEquals(3, failed.attempts(), "maxRetries 2: three attempts");
        java.time.Instant later = java.time.Instant.now().plusSeconds(3600);
        String scheduled = client.delay(TaskRequest.of("noop").withEta(later).withId("eta-" + System.nanoTime()));
        TaskResult waiting = client.result(scheduled);
        assertEquals("scheduled", waiting.status());
        assertTrue(client.cancel(scheduled));
        FastWorkerException tooLong = assertThrows(FastWorkerException.class,
                () -> client.delay(TaskRequest.of("noop").withTimeout(Duration.ofDays(30))));
        assertEquals(400, tooLong.status());
        assertTrue(tooLong.getMessage().contains("'timeout' must be at most PT168H"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TaskRequest.of("noop").withEta(later)
                .withCountdown(Duration.ofSeconds(1)));
    }

    @Test
    void theFullViewOfATaskTravelsWithItsResult() {
        TaskResult r = client().submit(TaskRequest.of("add", 1, 2).withMaxRetries(4), Duration.ofSeconds(20));
        assertEquals(5, r.maxAttempts());
        assertEquals("control-plane", r.worker());
        assertEquals(r.id(), r.json().path("id").asText());
        assertEquals(3, r.json().path("result").asInt());
    }

    @Test
    void manyConcurrentSubmissionsAllLandAndWaitsDoNotHoldThemUp() throws Exception {
        FastWorkerClient client = client();
        // Long polls on tasks that will not run for a minute occupy connections of their own ...
        String later = client.delay(TaskRequest.of("noop").withCountdown(Duration.ofMinutes(1)));
        List<CompletableFuture<TaskResult>> waits = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            waits.add(client.resultAsync(later, Duration.ofSeconds(20)));
        }
        // ... while 2,000 submissions, far more than the connection pool, all go through.
        List<CompletableFuture<String>> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ids.add(client.delayAsync(TaskRequest.of("add", i, 1)));
        }
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (CompletableFuture<String> id : ids) {
            distinct.add(id.get(60, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertEquals(2000, distinct.size());
        assertEquals(1000, client.result(ids.get(999).get(), Duration.ofSeconds(20)).resultAs(Integer.class));
        assertTrue(waits.stream().noneMatch(CompletableFuture::isDone), "the waits are still waiting");
        assertTrue(client.cancel(later));
        for (CompletableFuture<TaskResult> w : waits) {
            assertEquals("cancelled", w.get(30, java.util.concurrent.TimeUnit.SECONDS).status());
        }
    }

    @Test
    void everyReplyIsReadWholeCallAfterCall() {
        // One call at a time from a thread of the caller's: each reply's body must be read, never dropped (a
        // defect once gave an empty id now and then).
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 3000; i++) {
            String id = client().delay("noop");
            assertFalse(id.isEmpty(), "submission " + i + " came back without an id");
            ids.add(id);
        }
        assertEquals(3000, ids.size());
    }

    @Test
    void anAbsurdWaitIsAWaitWithoutEndNotAnOverflow() {
        String id = client().delay("add", 1, 1);
        TaskResult r = client().result(id, Duration.ofHours(1_000_000_000L));
        assertEquals(2, r.resultAs(Integer.class));
        assertTrue(client().result(id, Duration.ofSeconds(-5)).done(), "a negative wait is no wait");
    }

    @Test
    void blockingCallsAreRefusedOnAnEventLoopAndAsyncOnesWork() throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try (FastWorkerClient client = FastWorkerClient.builder().url(cp.url()).vertx(vertx).build()) {
            CompletableFuture<Throwable> refused = new CompletableFuture<>();
            CompletableFuture<TaskResult> async = new CompletableFuture<>();
            vertx.runOnContext(v -> {
                try {
                    client.delay("noop");
                    refused.complete(null);
                } catch (Throwable e) {
                    refused.complete(e);
                }
                client.submitAsync("add", 4, 4).whenComplete((r, e) -> {
                    if (e != null) {
                        async.completeExceptionally(e);
                    } else {
                        async.complete(r);
                    }
                });
            });
            Throwable e = refused.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(e instanceof IllegalStateException, String.valueOf(e));
            assertTrue(e.getMessage().contains("event loop"), e.getMessage());
            assertEquals(8, async.get(20, java.util.concurrent.TimeUnit.SECONDS).resultAs(Integer.class));
        }
        // Closing the client leaves the application's Vert.x running.
        assertEquals("ok", vertx.executeBlocking(() -> "ok").toCompletionStage().toCompletableFuture()
                .get(10, java.util.concurrent.TimeUnit.SECONDS));
        vertx.close();
    }

    @Test
    void aClosedClientFailsCallsClearly() {
        FastWorkerClient client = FastWorkerClient.builder().url(cp.url()).build();
        assertEquals(2, client.submit("add", 1, 1).resultAs(Integer.class));
        client.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> client.delay("noop"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FastWorkerClient.builder().maxConnections(0));
    }
}
