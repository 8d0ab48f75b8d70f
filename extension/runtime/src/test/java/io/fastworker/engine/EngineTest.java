package io.fastworker.engine;

import static io.fastworker.engine.EngineHarness.join;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fastworker.events.TaskFeed;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.limit.Limit;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's rules, in milliseconds: attempts, retries and their backoff on a clock the test moves, hand-backs,
 * cancels, late reports, idempotency, bounds, and a restart from the real journal. The process-level tests in
 * {@code integration-tests} check the same through HTTP and TCP; these say which rule broke.
 */
class EngineTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    @TempDir
    Path dir;

    static TaskSpec spec(String id, int maxRetries, Duration retryDelay) {
        return new TaskSpec(id, "echo", JSON.arrayNode().add(id), JSON.objectNode(), new TaskOptions(
                Priority.NORMAL, maxRetries, retryDelay, 1.0, Duration.ofMinutes(5), Duration.ofMinutes(1)), null);
    }

    static TaskView submit(EngineHarness h, TaskSpec spec) throws Exception {
        return join(h.admission.submit(List.of(Submission.of(spec)), Map.of())).get(0).view();
    }

    static TaskView view(EngineHarness h, String id) {
        return h.queries.find(id).orElseThrow();
    }

    @Test
    void aTaskRunsToSuccessAndItsWaitingClientIsAnswered() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        assertEquals(TaskState.QUEUED, submit(h, spec("a", 0, Duration.ZERO)).status());
        CompletableFuture<TaskView> done = h.queries.completion("a").orElseThrow();
        Assignment a = h.startNext("w1");
        assertEquals(1, a.attempt());
        assertEquals(TaskState.RUNNING, view(h, "a").status());
        assertNull(h.startNext("w1"), "nothing else is queued");
        h.clock.now = h.clock.now.plusMillis(250);
        h.engine.attemptEnded(a, Outcome.success(JSON.numberNode(42)));
        TaskView v = join(done);
        assertEquals(TaskState.SUCCESS, v.status());
        assertEquals(42, v.result().asInt());
        assertEquals(1, v.history().size());
        assertEquals("w1", v.history().get(0).worker());
        assertEquals(Duration.ofMillis(250), Duration.between(v.startedAt(), v.finishedAt()));
        assertEquals(0, h.queries.unfinished(), "its room is freed");
    }

    @Test
    void aFailedAttemptWaitsForItsBackoffThenTheLastFailureIsADeadLetterThatARetryQueuesAgain() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        submit(h, spec("b", 1, Duration.ofSeconds(10)));
        h.engine.attemptEnded(h.startNext("w1"), Outcome.failure(TaskError.of(TaskError.TASK_ERROR, "boom")));
        TaskView retrying = view(h, "b");
        assertEquals(TaskState.RETRYING, retrying.status());
        h.advance(Duration.ofSeconds(9));
        assertNull(h.startNext("w1"), "not before its backoff");
        h.advance(Duration.ofSeconds(1));
        Assignment second = h.startNext("w1");
        assertNotNull(second, "queued once its backoff is over");
        assertEquals(2, second.attempt());
        h.engine.attemptEnded(second, Outcome.failure(TaskError.of(TaskError.TASK_ERROR, "boom again")));
        assertEquals(TaskState.FAILURE, view(h, "b").status());
        assertEquals(List.of("b"), h.queries.deadLetters(null, null, null, null, 0, 10).items().stream()
                .map(TaskView::id).toList());

        TaskView again = join(h.admission.retry("b"));
        assertEquals(TaskState.QUEUED, again.status());
        assertEquals(4, again.maxAttempts(), "its retry policy is granted anew after the two attempts made");
        assertEquals(0, h.queries.deadLetters(null, null, null, null, 0, 10).total());
        Assignment third = h.startNext("w1");
        assertEquals(3, third.attempt());
        RetryRefusedException twice = assertThrows(RetryRefusedException.class, () -> h.admission.retry("b"));
        assertEquals(RetryOutcome.NOT_FAILED, twice.outcome());
    }

    @Test
    void aBulkRetryReplaysEachFailureItSawOnceEvenIfTheTaskFailedAgainSince() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        for (String id : List.of("c", "d")) {
            submit(h, spec(id, 0, Duration.ZERO));
            h.engine.attemptEnded(h.startNext("w1"), Outcome.failure(TaskError.of(TaskError.TASK_ERROR, "boom")));
        }
        Map<String, Instant> seen = new java.util.LinkedHashMap<>();
        h.queries.deadLetters(null, null, null, null, 0, 10).items().forEach(t -> seen.put(t.id(), t.finishedAt()));
        assertEquals(java.util.Set.of("c", "d"), seen.keySet());

        assertEquals(List.of("c"), join(h.admission.retryAll(Map.of("c", seen.get("c")))));
        h.clock.now = h.clock.now.plusSeconds(1);
        h.engine.attemptEnded(h.startNext("w1"), Outcome.failure(TaskError.of(TaskError.TASK_ERROR, "again")));
        assertEquals(TaskState.FAILURE, view(h, "c").status(), "c failed again: a dead letter of a later failure");

        // A second request that saw the same page: c's failure it saw was replayed already, d's was not.
        assertEquals(List.of("d"), join(h.admission.retryAll(seen)));
        assertEquals(List.of("c"), h.queries.deadLetters(null, null, null, null, 0, 10).items().stream()
                .map(TaskView::id).toList(), "c's later failure is kept for a request that sees it");
        assertEquals(List.of(), join(h.admission.retryAll(Map.of("nobody", Instant.EPOCH))), "unknown: left out");
    }

    @Test
    void progressShowsOnlyWhileItsAttemptRunsAndReachesTheFeedAtMostTenTimesASecond() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        submit(h, spec("p", 1, Duration.ZERO));
        assertNull(view(h, "p").progress(), "queued: no progress");
        TaskFeed.Reader feed = h.feed.open(-1, () -> {});
        Assignment a = h.startNext("w1");
        assertTrue(h.progress.report(a, 0.25, "a quarter"));
        h.clock.now = h.clock.now.plusMillis(40);
        assertTrue(h.progress.report(a, 0.5, "half"));
        TaskView v = view(h, "p");
        assertEquals(0.5, v.progress().fraction(), "the latest report shows, even one the feed skipped");
        assertEquals("half", v.progress().message());
        assertEquals(h.clock.now, v.progress().at());
        h.clock.now = h.clock.now.plusMillis(60);
        assertTrue(h.progress.report(a, 0.75, null));
        List<Double> published = new java.util.ArrayList<>();
        for (Object e = feed.next(); e != null; e = feed.next()) {
            TaskFeed.Event event = (TaskFeed.Event) e;
            if (event.progress() != null) {
                assertEquals(TaskState.RUNNING, event.status());
                assertEquals(1, event.attempt());
                assertEquals("w1", event.worker());
                published.add(event.progress().fraction());
            }
        }
        assertEquals(List.of(0.25, 0.75), published, "0.5 came 40 ms after 0.25; 0.75 came 100 ms after it");

        h.engine.attemptEnded(a, Outcome.failure(TaskError.of(TaskError.TASK_ERROR, "once")));
        assertNull(view(h, "p").progress(), "between attempts: none");
        assertFalse(h.progress.report(a, 0.9, "late"), "a report of the ended attempt is ignored");
        h.advance(Duration.ZERO);
        Assignment second = h.startNext("w2");
        assertEquals(2, second.attempt());
        assertNull(view(h, "p").progress(), "the first attempt's report does not show on the second");
        assertFalse(h.progress.report(a, 0.9, "late"));
        assertTrue(h.progress.report(second, 0.1, "again"));
        assertEquals(0.1, view(h, "p").progress().fraction());
        h.engine.attemptEnded(second, Outcome.success(JSON.numberNode(1)));
        assertNull(view(h, "p").progress(), "finished: none");
        assertThrows(IllegalArgumentException.class, () -> h.progress.report(second, 1.5, null));
        assertThrows(IllegalArgumentException.class, () -> h.progress.report(second, Double.NaN, null));
    }

    @Test
    void aLateOrRepeatedReportChangesNothing() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        submit(h, spec("c", 2, Duration.ZERO));
        Assignment a = h.startNext("w1");
        h.engine.attemptEnded(a, Outcome.success(JSON.textNode("first")));
        h.engine.attemptEnded(a, Outcome.success(JSON.textNode("second")));
        h.engine.attemptEnded(a, Outcome.failure(TaskError.of(TaskError.TIMEOUT, "too late")));
        h.engine.handBack(a, TaskError.of(TaskError.WORKER_LOST, "gone"), 3);
        TaskView v = view(h, "c");
        assertEquals(TaskState.SUCCESS, v.status());
        assertEquals("first", v.result().asText());
        assertEquals(1, v.history().size());
        assertEquals(1.0, h.registry.find("fastworker.tasks.completed").tag("status", "success").counter().count());
    }

    @Test
    void aLostTaskGoesBackToTheFrontOfItsQueueAndFailsAfterItsLastDelivery() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        submit(h, spec("first", 0, Duration.ZERO));
        submit(h, spec("second", 0, Duration.ZERO));
        for (int delivery = 1; delivery <= 3; delivery++) {
            Assignment a = h.startNext("w" + delivery);
            assertEquals("first", a.taskId(), "delivery " + delivery + " takes the task handed back first");
            h.engine.handBack(a, TaskError.of(TaskError.WORKER_LOST, "w" + delivery + " left"), 3);
        }
        TaskView v = view(h, "first");
        assertEquals(TaskState.FAILURE, v.status());
        assertEquals(TaskError.WORKER_LOST, v.error().type());
        assertEquals(List.of("w1", "w2", "w3"), v.history().stream().map(TaskView.Attempt::worker).toList());
        assertEquals("second", h.startNext("w4").taskId());
    }

    @Test
    void aCancelStopsAWaitingTaskAndItsTimerButNotARunningOne() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        TaskSpec later = new TaskSpec("later", "echo", JSON.arrayNode(), JSON.objectNode(),
                spec("x", 0, Duration.ZERO).options(), h.clock.now.plusSeconds(60));
        assertEquals(TaskState.SCHEDULED, submit(h, later).status());
        assertEquals(CancelOutcome.CANCELLED, h.engine.cancel("later"));
        assertTrue(h.timers.pending.stream().allMatch(t -> t.handle().isCancelled()), "its timer is stopped");
        h.advance(Duration.ofSeconds(61));
        assertNull(h.startNext("w1"));
        assertEquals(TaskState.CANCELLED, view(h, "later").status());
        assertEquals(CancelOutcome.NOT_CANCELLABLE, h.engine.cancel("later"), "a second cancel");

        assertEquals(CancelOutcome.NOT_FOUND, h.engine.cancel("nobody"));
    }

    @Test
    void aCancelAsksARunningAttemptToStopAndTheTaskIsCancelledWhenItEndsEvenWithAResult() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        List<TaskEngine.StopAsked> asked = new java.util.ArrayList<>();
        h.engine.onStopAsked(asked::add);
        submit(h, spec("busy", 3, Duration.ZERO));
        CompletableFuture<TaskView> done = h.queries.completion("busy").orElseThrow();
        Assignment a = h.startNext("w1");
        assertEquals(CancelOutcome.CANCELLING, h.engine.cancel("busy"));
        assertEquals(List.of(new TaskEngine.StopAsked("w1", "busy", 1)), asked, "its executor is asked to stop it");
        assertEquals(TaskState.CANCELLING, view(h, "busy").status());
        assertFalse(done.isDone());
        assertEquals(CancelOutcome.CANCELLING, h.engine.cancel("busy"), "a second cancel: still cancelling");
        assertEquals(2, asked.size(), "and the executor is asked again");
        h.engine.attemptEnded(a, Outcome.success(JSON.numberNode(7))); // the result raced the cancel and lost
        TaskView v = join(done);
        assertEquals(TaskState.CANCELLED, v.status());
        assertNull(v.result(), "a result that arrives after the cancel is dropped");
        assertEquals(TaskError.CANCELLED, v.history().get(0).error().type());
        assertEquals(1.0, h.registry.find("fastworker.tasks.cancelled").tag("task", "echo").counter().count());
        h.advance(Duration.ofSeconds(10));
        assertNull(h.startNext("w1"), "never retried, though it had retries left");
        assertEquals(CancelOutcome.NOT_CANCELLABLE, h.engine.cancel("busy"));

        // A failure after the cancel is not retried either; a hand-back ends it too.
        submit(h, spec("f", 3, Duration.ZERO));
        Assignment f = h.startNext("w1");
        h.engine.cancel("f");
        h.engine.attemptEnded(f, Outcome.failure(TaskError.of(TaskError.TASK_ERROR, "interrupted")));
        assertEquals(TaskState.CANCELLED, view(h, "f").status());
        submit(h, spec("g", 3, Duration.ZERO));
        Assignment g = h.startNext("w2");
        h.engine.cancel("g");
        h.engine.handBack(g, TaskError.of(TaskError.WORKER_LOST, "gone"), 3);
        assertEquals(TaskState.CANCELLED, view(h, "g").status());
        h.advance(Duration.ofSeconds(10));
        assertNull(h.startNext("w1"), "neither queued again");

        // The attempt ended first: the cancel comes too late.
        submit(h, spec("quick", 0, Duration.ZERO));
        Assignment q = h.startNext("w1");
        h.engine.attemptEnded(q, Outcome.success(JSON.numberNode(1)));
        assertEquals(CancelOutcome.NOT_CANCELLABLE, h.engine.cancel("quick"));
        assertEquals(TaskState.SUCCESS, view(h, "quick").status());
    }

    @Test
    void anIdempotencyKeyGivesBackItsTaskAndRefusesAnotherRequest() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        Submission first = new Submission(spec("k1", 0, Duration.ZERO), "order-7", "fp-a", false);
        Accepted made = join(h.admission.submit(List.of(first), Map.of())).get(0);
        assertFalse(made.repeated());
        Submission again = new Submission(spec("k2", 0, Duration.ZERO), "order-7", "fp-a", false);
        Accepted repeated = join(h.admission.submit(List.of(again), Map.of())).get(0);
        assertTrue(repeated.repeated());
        assertEquals("k1", repeated.id());
        Submission other = new Submission(spec("k3", 0, Duration.ZERO), "order-7", "fp-b", false);
        assertThrows(IdempotencyConflictException.class, () -> h.admission.submit(List.of(other), Map.of()));
        assertEquals(1, h.queries.unfinished(), "one task for the key");
    }

    @Test
    void aRepeatedKeyIsAnsweredOnlyOnceItsFirstRequestIsRecorded() throws Exception {
        // ClusterIT saw a deposed leader answer a repeated key with the id of a task it had proposed but never
        // committed: the repeat was answered from the claim before the first request's outcome was known.
        EngineHarness h = new EngineHarness(null, Map.of());
        EngineHarness.HeldLog cluster = new EngineHarness.HeldLog();
        h.recordInto(cluster);
        CompletableFuture<List<Accepted>> first = h.admission.submit(List.of(new Submission(spec("lost", 0,
                Duration.ZERO), "key-l", "fp", false)), Map.of());
        CompletableFuture<List<Accepted>> repeat = h.admission.submit(List.of(new Submission(spec("lost-2", 0,
                Duration.ZERO), "key-l", "fp", false)), Map.of());
        Thread.sleep(50);
        assertFalse(repeat.isDone(), "no answer while the first request is not recorded");
        cluster.fail();
        assertThrows(java.util.concurrent.CompletionException.class, first::join);
        assertThrows(java.util.concurrent.CompletionException.class, repeat::join,
                "the repeat fails with the request it repeats");
        assertFalse(h.queries.find("lost").isPresent());
        // The key is free again: a new request with it makes a task, and its repeat waits for that one's commit.
        CompletableFuture<List<Accepted>> again = h.admission.submit(List.of(new Submission(spec("kept", 0,
                Duration.ZERO), "key-l", "fp", false)), Map.of());
        CompletableFuture<List<Accepted>> repeatAgain = h.admission.submit(List.of(new Submission(spec("kept-2", 0,
                Duration.ZERO), "key-l", "fp", false)), Map.of());
        cluster.commit();
        assertEquals("kept", again.get(5, java.util.concurrent.TimeUnit.SECONDS).get(0).id());
        Accepted answered = repeatAgain.get(5, java.util.concurrent.TimeUnit.SECONDS).get(0);
        assertEquals("kept", answered.id());
        assertTrue(answered.repeated());
        assertTrue(h.queries.find("kept").isPresent(), "the id a repeat answers with is known");
        // A repeat within one batch is the same task, answered with the batch: it waits for nobody.
        CompletableFuture<List<Accepted>> batch = h.admission.submit(List.of(
                new Submission(spec("b1", 0, Duration.ZERO), "key-b", "fp", false),
                new Submission(spec("b2", 0, Duration.ZERO), "key-b", "fp", false)), Map.of());
        cluster.commit();
        List<Accepted> both = batch.get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("b1", both.get(1).id());
        assertTrue(both.get(1).repeated());
    }

    @Test
    void aClientThatGivesUpBeforeItsTaskIsRecordedLeavesTheTaskAcceptedAllTheSame() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of());
        EngineHarness.HeldLog cluster = new EngineHarness.HeldLog();
        h.recordInto(cluster);
        CompletableFuture<List<Accepted>> answer = h.admission.submit(List.of(new Submission(spec("g1", 0,
                Duration.ZERO), "key-g1", "fp", false)), Map.of());
        answer.cancel(false); // the HTTP client went away: its request's future is cancelled
        cluster.commit();
        Thread.sleep(50); // the commit is handed to the engine on the proposals thread
        assertTrue(h.queries.find("g1").isPresent(), "the recorded task is applied, whoever still waits");
        Accepted again = join(h.admission.submit(List.of(new Submission(spec("g2", 0, Duration.ZERO), "key-g1",
                "fp", false)), Map.of())).get(0);
        assertEquals("g1", again.id());
        assertTrue(h.queries.find(again.id()).isPresent(), "the id a repeated key answers with is known");
        CompletableFuture<TaskView> waiting = h.queries.completion("g1").orElseThrow();
        waiting.cancel(false); // a GET ?wait= that gave up
        assertFalse(h.queries.completion("g1").orElseThrow().isCancelled(), "others still wait for the task");
    }

    @Test
    void aBatchThatDoesNotFitOrReusesAnIdIsRefusedWhole() throws Exception {
        EngineHarness h = new EngineHarness(null, Map.of("fastworker.queue.capacity", "2"));
        List<Submission> three = List.of(Submission.of(spec("q1", 0, Duration.ZERO)),
                Submission.of(spec("q2", 0, Duration.ZERO)), Submission.of(spec("q3", 0, Duration.ZERO)));
        assertThrows(QueueFullException.class, () -> h.admission.submit(three, Map.of()));
        assertEquals(0, h.queries.unfinished());
        List<Submission> twice = List.of(new Submission(spec("same", 0, Duration.ZERO), null, null, true),
                new Submission(spec("same", 0, Duration.ZERO), null, null, true));
        assertThrows(DuplicateTaskIdException.class, () -> h.admission.submit(twice, Map.of()));
        assertEquals(0, h.queries.unfinished());
        assertEquals(0, h.state.claims().size(), "the claims of a refused batch are released");
    }

    @Test
    void aRestartTakesUpWhatTheJournalHolds() throws Exception {
        EngineHarness before = new EngineHarness(dir, Map.of());
        submit(before, spec("done", 0, Duration.ZERO));
        submit(before, spec("running", 0, Duration.ZERO));
        TaskSpec later = new TaskSpec("later", "echo", JSON.arrayNode(), JSON.objectNode(),
                spec("x", 0, Duration.ZERO).options(), before.clock.now.plusSeconds(30));
        submit(before, later);
        submit(before, spec("waiting", 0, Duration.ZERO));
        before.engine.attemptEnded(before.startNext("w1"), Outcome.success(JSON.textNode("kept")));
        before.startNext("w1");
        join(before.definitions.limit("echo", new Limit(3, null)));
        before.stop();

        EngineHarness after = new EngineHarness(dir, Map.of());
        assertEquals("kept", view(after, "done").result().asText());
        TaskView lost = view(after, "running");
        assertEquals(TaskState.QUEUED, lost.status());
        assertEquals(TaskError.CONTROL_PLANE_RESTART, lost.history().get(0).error().type());
        assertEquals(TaskState.SCHEDULED, view(after, "later").status());
        assertEquals("running", after.startNext("w2").taskId(), "queued in their order of acceptance");
        assertEquals("waiting", after.startNext("w2").taskId());
        assertNull(after.startNext("w2"));
        after.advance(Duration.ofSeconds(30));
        assertEquals("later", after.startNext("w2").taskId(), "released at its due time");
        assertEquals(3, after.state.limits().get("echo").maxConcurrency());
        after.stop();
    }
}
