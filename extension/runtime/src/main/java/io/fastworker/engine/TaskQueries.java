package io.fastworker.engine;

import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Read-only answers about tasks, dead letters, queues, groups and schedules; none changes anything. */
@ApplicationScoped
public class TaskQueries {

    @Inject
    EngineState state;

    @Inject
    TaskEngine engine;

    @Inject
    Holdings held;

    /** A task, unfinished or finished while its result is kept. */
    public Optional<TaskView> find(String id) {
        TaskRecord r = state.task(id);
        if (r != null) {
            return Optional.of(r.view());
        }
        return Optional.ofNullable(state.results().get(id));
    }

    /**
     * The arguments a task was submitted with, while they are kept: until it finishes and, once it has failed, while
     * its dead letter is kept; empty otherwise (unknown, or finished without failing).
     */
    public Optional<Arguments> arguments(String id) {
        TaskRecord r = state.task(id);
        TaskSpec spec = r != null ? r.spec : null;
        if (spec == null) {
            DeadLetter d = state.deadLetters().get(id);
            spec = d == null ? null : d.spec();
        }
        return spec == null ? Optional.empty() : Optional.of(new Arguments(spec.args(), spec.kwargs()));
    }

    /** Completes with the final view once the task has finished; empty if the id is unknown. */
    public Optional<CompletableFuture<TaskView>> completion(String id) {
        TaskRecord r = state.task(id);
        if (r != null) {
            return Optional.of(r.done.copy()); // a waiter that gives up cancels its copy, not the task's
        }
        TaskView finished = state.results().get(id);
        return finished == null ? Optional.empty() : Optional.of(CompletableFuture.completedFuture(finished));
    }

    /**
     * The most recently submitted tasks, live and finished (while kept), newest first, filtered by status and task
     * name: {@code limit} of them after skipping the {@code offset} newest. Reading a task does not change this order.
     */
    public TaskPage recent(TaskState status, String task, int offset, int limit) {
        Predicate<TaskView> match = v -> (status == null || v.status() == status)
                && (task == null || v.task().equals(task));
        Comparator<TaskView> newestFirst = Comparator.comparing(TaskView::submittedAt).reversed();
        int keep = offset + limit;
        PriorityQueue<TaskView> newest = new PriorityQueue<>(keep + 1, newestFirst.reversed()); // oldest on top
        int[] total = {0};
        Consumer<TaskView> offer = v -> {
            if (match.test(v)) {
                total[0]++;
                newest.add(v);
                if (newest.size() > keep) {
                    newest.poll();
                }
            }
        };
        for (TaskRecord r : state.unfinished()) {
            offer.accept(r.view());
        }
        state.results().forEachLive(offer);
        List<TaskView> out = new ArrayList<>(newest);
        out.sort(newestFirst);
        return new TaskPage(total[0], out.size() <= offset ? List.of() : List.copyOf(out.subList(offset,
                out.size())));
    }

    /**
     * Failed tasks kept (newest failure first), filtered by task name, error type and when they failed
     * ({@code since} inclusive, {@code until} exclusive; null for no bound), {@code limit} from {@code offset}.
     */
    public TaskPage deadLetters(String task, String errorType, Instant since, Instant until, int offset,
            int limit) {
        List<TaskView> matching = new ArrayList<>();
        for (DeadLetter d : state.deadLetters().all()) {
            TaskView v = d.view();
            if ((task == null || v.task().equals(task))
                    && (errorType == null || (v.error() != null && v.error().type().equals(errorType)))
                    && (since == null || !v.finishedAt().isBefore(since))
                    && (until == null || v.finishedAt().isBefore(until))) {
                matching.add(v);
            }
        }
        matching.sort(Comparator.comparing(TaskView::finishedAt).reversed());
        int from = Math.min(offset, matching.size());
        return new TaskPage(matching.size(),
                List.copyOf(matching.subList(from, Math.min(matching.size(), from + limit))));
    }

    /** Tasks waiting in the ready queue at {@code priority}. */
    public int depth(Priority priority) {
        return engine.ready().depth(priority);
    }

    /** Tasks waiting in the ready queue, by task name (names with none left out). */
    public Map<String, Integer> queuedByTask() {
        return engine.ready().depthByKey();
    }

    /** Unfinished tasks held (queued, scheduled, retrying, running). */
    public int unfinished() {
        return held.count();
    }

    /**
     * Unfinished tasks by state, e.g. for the log line of a stopping control plane. A task read from another thread
     * in the moment it finishes (already in its end state, not yet moved to the results) is finished, not counted.
     */
    public Map<TaskState, Integer> unfinishedByState() {
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        for (TaskRecord r : state.unfinished()) {
            TaskState s = r.state();
            if (!s.isTerminal()) {
                counts.merge(s, 1, Integer::sum);
            }
        }
        return counts;
    }

    /** A group, while it is kept. */
    public Optional<StoredGroup> group(String id) {
        return Optional.ofNullable(state.groups().get(id));
    }

    /** Every schedule's state as the task store kept it (after a restart, as it was before). */
    public Map<String, StoredSchedule> storedSchedules() {
        return Map.copyOf(state.schedules());
    }
}
