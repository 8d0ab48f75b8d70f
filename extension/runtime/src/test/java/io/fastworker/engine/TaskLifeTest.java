package io.fastworker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.IntNode;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The one apply path of a task's life: every legal move, and the forbidden ones changing nothing. */
class TaskLifeTest {

    static final Instant T = Instant.parse("2026-12-01T00:00:00Z");
    static final TaskError BOOM = TaskError.of(TaskError.TASK_ERROR, "boom");

    static TaskCommand start(int n) {
        return new TaskCommand.Start("t", n, "w1", T.plusSeconds(n));
    }

    static TaskCommand success(int n) {
        return new TaskCommand.End("t", n, TaskState.SUCCESS, IntNode.valueOf(42), null, T.plusSeconds(10 + n), null);
    }

    static TaskCommand retrying(int n) {
        return new TaskCommand.End("t", n, TaskState.RETRYING, null, BOOM, T.plusSeconds(10 + n),
                T.plusSeconds(20 + n));
    }

    static TaskCommand failure(int n) {
        return new TaskCommand.End("t", n, TaskState.FAILURE, null, BOOM, T.plusSeconds(10 + n), null);
    }

    static TaskLife queued() {
        return new TaskLife(TaskState.QUEUED, null);
    }

    @Test
    void aTaskRunsRetriesAndSucceeds() {
        TaskLife l = queued();
        assertTrue(l.apply(start(1)));
        assertEquals(TaskState.RUNNING, l.state);
        assertEquals("w1", l.worker);
        assertTrue(l.apply(retrying(1)));
        assertEquals(TaskState.RETRYING, l.state);
        assertEquals(T.plusSeconds(21), l.due);
        assertTrue(l.apply(new TaskCommand.Release("t", TaskState.RETRYING, T.plusSeconds(21))));
        assertNull(l.due);
        assertTrue(l.apply(start(2)));
        assertTrue(l.apply(success(2)));
        assertEquals(TaskState.SUCCESS, l.state);
        assertEquals(42, l.result.asInt());
        assertEquals(T.plusSeconds(12), l.finishedAt);
        assertEquals(List.of(1, 2), l.history.stream().map(TaskView.Attempt::number).toList());
    }

    @Test
    void aScheduledTaskIsReleasedThenRuns() {
        TaskLife l = new TaskLife(TaskState.SCHEDULED, T.plusSeconds(5));
        assertEquals(T.plusSeconds(5), l.due);
        assertFalse(l.apply(start(1)), "not before it is released");
        assertFalse(l.apply(new TaskCommand.Release("t", TaskState.RETRYING, T)), "released from where it is");
        assertTrue(l.apply(new TaskCommand.Release("t", TaskState.SCHEDULED, T.plusSeconds(5))));
        assertTrue(l.apply(start(1)));
    }

    @Test
    void aHandedBackAttemptIsQueuedAgainAndTheNextIsNumberedOn() {
        TaskLife l = queued();
        l.apply(start(1));
        assertTrue(l.apply(new TaskCommand.HandBack("t", 1, TaskError.of(TaskError.WORKER_LOST, "lost"), T)));
        assertEquals(TaskState.QUEUED, l.state);
        assertFalse(l.apply(start(1)), "attempt 1 is spent");
        assertTrue(l.apply(start(2)));
        assertEquals(TaskError.WORKER_LOST, l.history.get(0).error().type());
    }

    @Test
    void aFailedTaskRetriedByRequestIsQueuedWithItsPolicyGrantedAnew() {
        TaskLife l = queued();
        l.apply(start(1));
        l.apply(failure(1));
        assertEquals(TaskState.FAILURE, l.state);
        assertTrue(l.apply(new TaskCommand.Retry("t", T.plusSeconds(60))));
        assertEquals(TaskState.QUEUED, l.state);
        assertEquals(1, l.attemptBase);
        assertNull(l.finishedAt);
        assertTrue(l.apply(start(2)));
    }

    @Test
    void forbiddenMovesChangeNothing() {
        List<Function<TaskLife, TaskCommand>> moves = List.of(l -> start(l.attempts + 1), l -> success(l.attempts),
                l -> failure(l.attempts), l -> new TaskCommand.HandBack("t", l.attempts, BOOM, T),
                l -> new TaskCommand.Cancel("t", T), l -> new TaskCommand.Retry("t", T),
                l -> new TaskCommand.Release("t", TaskState.SCHEDULED, T),
                l -> new TaskCommand.Stop("t", Math.max(1, l.attempts), T));
        // From each state, the moves its table does not allow.
        for (TaskState from : List.of(TaskState.QUEUED, TaskState.RUNNING, TaskState.SUCCESS, TaskState.FAILURE,
                TaskState.CANCELLED)) {
            for (Function<TaskLife, TaskCommand> move : moves) {
                TaskLife l = lifeIn(from);
                TaskCommand c = move.apply(l);
                TaskState target = target(c);
                String before = describe(l);
                boolean applied = l.apply(c);
                assertEquals(from.canMoveTo(target) && expectedFrom(c, from), applied, from + " + " + c);
                if (!applied) {
                    assertEquals(before, describe(l), "a refused " + c + " from " + from + " changes nothing");
                }
            }
        }
        TaskLife running = lifeIn(TaskState.RUNNING);
        assertFalse(running.apply(success(running.attempts + 1)), "a result for another attempt");
        assertFalse(running.apply(start(running.attempts + 1)), "a second start");
        assertEquals(TaskState.RUNNING, running.state);
    }

    @Test
    void aRunningTaskAskedToStopIsCancelledWhenItsAttemptEndsWhateverTheOutcome() {
        for (Function<TaskLife, TaskCommand> end : List.<Function<TaskLife, TaskCommand>>of(l -> success(1),
                l -> failure(1), l -> new TaskCommand.HandBack("t", 1, BOOM, T.plusSeconds(2)))) {
            TaskLife l = lifeIn(TaskState.RUNNING);
            assertFalse(l.apply(new TaskCommand.Stop("t", 2, T)), "another attempt");
            assertTrue(l.apply(new TaskCommand.Stop("t", 1, T.plusSeconds(1))));
            assertEquals(TaskState.CANCELLING, l.state);
            assertNull(l.finishedAt, "not finished while the attempt runs");
            assertFalse(l.apply(new TaskCommand.Stop("t", 1, T)), "a second stop");
            assertFalse(l.apply(new TaskCommand.Cancel("t", T)), "a cancel while cancelling");
            assertFalse(l.apply(start(2)));
            assertFalse(l.apply(success(2)), "a result of another attempt");
            assertTrue(l.apply(end.apply(l)));
            assertEquals(TaskState.CANCELLED, l.state);
            assertNull(l.result, "what the attempt returned is dropped");
            assertEquals(1, l.history.size());
            assertNotNull(l.finishedAt);
            assertFalse(l.apply(success(1)), "a late second report");
        }
        TaskLife ended = lifeIn(TaskState.RUNNING);
        ended.apply(success(1));
        assertFalse(ended.apply(new TaskCommand.Stop("t", 1, T)), "too late: it succeeded");
        assertEquals(TaskState.SUCCESS, ended.state);
    }

    @Test
    void commandsThatContradictThemselvesCannotBeMade() {
        assertThrows(IllegalArgumentException.class, () -> new TaskCommand.End("t", 1, TaskState.SUCCESS, null, BOOM,
                T, null));
        assertThrows(IllegalArgumentException.class, () -> new TaskCommand.End("t", 1, TaskState.RETRYING, null,
                BOOM, T, null));
        assertThrows(IllegalArgumentException.class, () -> new TaskCommand.End("t", 1, TaskState.QUEUED, null, null,
                T, null));
        assertThrows(IllegalArgumentException.class, () -> new TaskCommand.Start("t", 0, "w", T));
        assertThrows(IllegalArgumentException.class, () -> new TaskCommand.Release("t", TaskState.QUEUED, T));
    }

    static TaskLife lifeIn(TaskState state) {
        TaskLife l = queued();
        switch (state) {
            case QUEUED -> {
            }
            case RUNNING -> l.apply(start(1));
            case SUCCESS -> {
                l.apply(start(1));
                l.apply(success(1));
            }
            case FAILURE -> {
                l.apply(start(1));
                l.apply(failure(1));
            }
            case CANCELLED -> l.apply(new TaskCommand.Cancel("t", T));
            default -> throw new IllegalArgumentException(state.name());
        }
        assertEquals(state, l.state);
        return l;
    }

    static TaskState target(TaskCommand c) {
        if (c instanceof TaskCommand.Start) {
            return TaskState.RUNNING;
        }
        if (c instanceof TaskCommand.End e) {
            return e.next();
        }
        if (c instanceof TaskCommand.Cancel) {
            return TaskState.CANCELLED;
        }
        if (c instanceof TaskCommand.Stop) {
            return TaskState.CANCELLING;
        }
        return TaskState.QUEUED; // release, hand back, retry
    }

    /** Whether {@code c} starts from {@code from} at all (each command leaves one state, or a few). */
    static boolean expectedFrom(TaskCommand c, TaskState from) {
        if (c instanceof TaskCommand.Start) {
            return from == TaskState.QUEUED;
        }
        if (c instanceof TaskCommand.End || c instanceof TaskCommand.HandBack || c instanceof TaskCommand.Stop) {
            return from == TaskState.RUNNING;
        }
        if (c instanceof TaskCommand.Retry) {
            return from == TaskState.FAILURE;
        }
        if (c instanceof TaskCommand.Release r) {
            return from == r.from();
        }
        return true; // cancel: wherever the table allows
    }

    static String describe(TaskLife l) {
        return l.state + "/" + l.attempts + "/" + l.attemptBase + "/" + l.result + "/" + l.error + "/" + l.startedAt
                + "/" + l.finishedAt + "/" + l.worker + "/" + l.due + "/" + l.history;
    }
}
