package io.fastworker.engine;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.telemetry.TaskMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Takes tasks in: submissions, and failed tasks retried by request. Every check and decision (ids, claims, room)
 * is made first; the commands are then recorded, and applied once recorded (on disk with the disk store), so that
 * what a client is told was accepted is what a restart finds.
 *
 * <p>Guarantees: a call accepts all its tasks or none; a full queue, a reused id, an idempotency conflict or a
 * store that cannot record leaves nothing behind.
 */
@ApplicationScoped
public class Admission {

    private static final Logger LOG = Logger.getLogger(Admission.class);

    @Inject
    EngineState state;

    @Inject
    CommandLog log;

    @Inject
    Holdings held;

    @Inject
    TaskEngine engine;

    @Inject
    TaskQueries queries;

    @Inject
    TaskMetrics metrics;

    @Inject
    Clock clock;

    @Inject
    FastWorkerConfig.Idempotency idempotencySettings;

    private volatile boolean accepting;
    /** Tasks with an idempotency key whose acceptance is being recorded, for a repeat that comes meanwhile. */
    private final Map<String, Command.Accept> recording = new ConcurrentHashMap<>();
    /** Failed tasks whose retry is being recorded. */
    private final Set<String> retrying = ConcurrentHashMap.newKeySet();

    public void acceptSubmissions() {
        accepting = true;
    }

    /** From now on submissions are refused with {@code 503}; what was accepted is kept. */
    public void stopAccepting() {
        accepting = false;
    }

    /** Whether submissions are accepted (started and not shutting down). */
    public boolean accepting() {
        return accepting;
    }

    private void checkAccepting() {
        if (!accepting) {
            throw new NotAcceptingException("the control plane is not accepting tasks (starting or stopping); "
                    + "retry shortly");
        }
        String storeFailure = log.failure();
        if (storeFailure != null) {
            throw new NotAcceptingException("the task store cannot record tasks (" + storeFailure + "); nothing "
                    + "was accepted");
        }
    }

    /**
     * Accepts all the tasks or none: on a full queue or a reused id nothing is accepted. The tasks' dispatch and
     * execute spans join the trace of {@code traceContext} (W3C headers; empty when untraced).
     *
     * @throws QueueFullException when the tasks do not all fit
     * @throws DuplicateTaskIdException when an id is known already or repeated in the list
     * @throws NotAcceptingException while starting or stopping
     */
    public CompletableFuture<List<Accepted>> submit(List<Submission> submissions, Map<String, String> traceContext) {
        checkAccepting();
        Instant now = clock.instant();
        Duration window = idempotencySettings.window();
        Accepted[] answers = new Accepted[submissions.size()];
        List<Submission> fresh = new ArrayList<>(submissions.size());
        // Completes once this call's tasks are recorded (fails if they are not); a repeat of one of its keys waits
        // for it, so that no answer names a task that was never recorded (a deposed leader's, say).
        CompletableFuture<Void> recorded = new CompletableFuture<>();
        List<CompletableFuture<Void>> firsts = new ArrayList<>();
        List<String> claimed;
        try {
            claimed = state.claims().claim(submissions, answers, fresh, now.toEpochMilli(), window.toMillis(),
                    this::repeated, recorded, firsts);
        } catch (QueueFullException e) {
            metrics.rejected(e.reason(), submissions.size());
            throw e;
        }
        List<Command.Accept> accepts = new ArrayList<>(fresh.size());
        long bytes = 0;
        try {
            Set<String> ids = new HashSet<>();
            for (Submission sub : fresh) {
                String id = sub.spec().id();
                if (!ids.add(id) || state.task(id) != null || state.results().get(id) != null
                        || recording.containsKey(id)) {
                    throw new DuplicateTaskIdException(id);
                }
                bytes += Footprint.of(sub.spec());
                accepts.add(Command.Accept.of(sub, now, traceContext, window));
            }
            held.reserve(fresh.size(), bytes);
        } catch (QueueFullException e) {
            metrics.rejected(e.reason(), fresh.size());
            claimed.forEach(state.claims()::release);
            recorded.completeExceptionally(e);
            throw e;
        } catch (RuntimeException e) {
            claimed.forEach(state.claims()::release);
            recorded.completeExceptionally(e);
            throw e;
        }
        long heldBytes = bytes;
        accepts.stream().filter(a -> a.idempotencyKey() != null).forEach(a -> recording.put(a.spec().id(), a));
        CompletableFuture<Void> written = firsts.isEmpty() ? log.record(accepts)
                : CompletableFuture.allOf(firsts.toArray(CompletableFuture[]::new)).handleAsync((v, first) -> first)
                        .thenCompose(first -> first == null ? log.record(accepts)
                                : CompletableFuture.failedFuture(new IllegalStateException("the first request with "
                                        + "the same idempotency key was not recorded")));
        return written.handle((ok, failure) -> {
            accepts.stream().filter(a -> a.idempotencyKey() != null).forEach(a -> recording.remove(a.spec().id()));
            if (failure != null) {
                held.release(accepts.size(), heldBytes);
                claimed.forEach(state.claims()::release);
                recorded.completeExceptionally(failure);
                metrics.rejected("not_accepting", accepts.size());
                throw new NotAcceptingException("the task store could not record the tasks (" + failure
                        + "); nothing was accepted");
            }
            List<Accepted> out = applied(accepts, answers, now);
            state.claims().settle(claimed);
            recorded.complete(null);
            return out;
        }).copy(); // a caller that gives up cancels its copy; what was recorded is applied all the same
    }

    /** Applies recorded acceptances; the answers show each task as accepted, before an executor can pick it up. */
    private List<Accepted> applied(List<Command.Accept> accepts, Accepted[] answers, Instant now) {
        List<TaskRecord> records = new ArrayList<>(accepts.size());
        for (Command.Accept a : accepts) {
            TaskRecord r = state.accept(a);
            if (r == null) { // known already: cannot happen after the checks above, but holds no room if it does
                held.release(1, Footprint.of(a.spec()));
                continue;
            }
            records.add(r);
        }
        int next = 0;
        for (int i = 0; i < answers.length && next < records.size(); i++) {
            if (answers[i] == null) {
                TaskRecord r = records.get(next++);
                answers[i] = new Accepted(r.id(), r.name(), r.view(), false);
            }
        }
        engine.queue(records, now);
        return List.of(answers);
    }

    /** The task an earlier request with the same idempotency key created, as it is now (null: no longer kept). */
    private TaskView repeated(String id) {
        Optional<TaskView> v = queries.find(id);
        if (v.isPresent()) {
            return v.get();
        }
        Command.Accept inFlight = recording.get(id);
        return inFlight == null ? null : TaskRecord.accepted(inFlight, 0).view();
    }

    /**
     * Queues each of these failed tasks again, as {@link #retry} does one, if it is still kept from the failure at
     * the time given, and completes with the ids that were queued again once each is recorded. A task that is no
     * longer a dead letter of that failure (deleted, expired, or queued again by another request meanwhile, even if
     * it failed again since) is left out, so that a failure is replayed once however many requests ask; once the
     * queue is full the rest are left as they are.
     *
     * @param failures task id → when it failed, in the order to queue them
     * @throws QueueFullException when the queue is full before the first of them
     */
    public CompletableFuture<List<String>> retryAll(Map<String, Instant> failures) {
        checkAccepting();
        Map<String, CompletableFuture<TaskView>> pending = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Instant> f : failures.entrySet()) {
            String id = f.getKey();
            try {
                pending.put(id, retry(id, f.getValue()));
            } catch (RetryRefusedException e) {
                // no longer a dead letter: left out
            } catch (QueueFullException e) {
                if (pending.isEmpty()) {
                    throw e;
                }
                break;
            }
        }
        return CompletableFuture.allOf(pending.values().toArray(CompletableFuture[]::new))
                .handle((ok, failed) -> pending.entrySet().stream()
                        .filter(e -> !e.getValue().isCompletedExceptionally()).map(Map.Entry::getKey)
                        .toList());
    }

    /**
     * Queues a failed task again as a new attempt of the same task: same id, its history and attempt count go on,
     * its retry policy granted anew. Completes once the retry is recorded (on disk with the disk store).
     *
     * @throws RetryRefusedException when no such failed task is kept, or the task has not failed
     */
    public CompletableFuture<TaskView> retry(String id) {
        return retry(id, null);
    }

    /** {@link #retry(String)} of the failure at {@code failedAt} only (null: whichever is kept). */
    private CompletableFuture<TaskView> retry(String id, Instant failedAt) {
        checkAccepting();
        if (!retrying.add(id)) { // another request is queueing it again now
            throw refused(id);
        }
        DeadLetter d = state.deadLetters().get(id);
        if (d == null || failedAt != null && !failedAt.equals(d.view().finishedAt())) {
            retrying.remove(id);
            throw refused(id);
        }
        long bytes = Footprint.of(d.spec());
        try {
            held.reserve(1, bytes);
        } catch (QueueFullException e) {
            retrying.remove(id);
            throw e;
        }
        Instant now = clock.instant();
        TaskCommand.Retry retry = new TaskCommand.Retry(id, now);
        return log.record(retry).handle((ok, failure) -> {
            retrying.remove(id);
            if (failure != null) {
                held.release(1, bytes);
                throw new NotAcceptingException("the task store could not record the retry (" + failure + ")");
            }
            TaskRecord r = state.applyNow(retry, EngineState.UNJOURNALED);
            if (r == null) { // its dead letter went meanwhile (deleted, or past its retention)
                held.release(1, bytes);
                throw new RetryRefusedException(RetryOutcome.NOT_FOUND, id, null);
            }
            LOG.infof("%s retried by request", r.describe());
            TaskView view = r.view();
            engine.queue(List.of(r), now);
            return view;
        }).copy();
    }

    private RetryRefusedException refused(String id) {
        Optional<TaskView> v = queries.find(id);
        return new RetryRefusedException(v.isPresent() ? RetryOutcome.NOT_FAILED : RetryOutcome.NOT_FOUND, id,
                v.map(TaskView::status).orElse(null));
    }
}
