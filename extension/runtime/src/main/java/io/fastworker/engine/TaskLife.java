package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.execution.TaskError;
import io.fastworker.queue.TaskState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where an accepted task is in its life: its state, attempts, result or error, and the history of its attempts.
 * {@link #apply} is the one place this changes, for a change made now, one replayed from the journal and one a
 * replica applies alike: a command the {@link TaskState} table does not allow, or that names another attempt than
 * the one it would change, changes nothing. Not thread-safe: its owner guards it.
 */
final class TaskLife {

    TaskState state;
    /** Attempts started so far. */
    int attempts;
    /** Attempts made before the latest retry by request (see {@link TaskCommand.Retry}). */
    int attemptBase;
    JsonNode result;
    TaskError error;
    Instant startedAt;
    Instant finishedAt;
    String worker;
    /** When a scheduled or retrying task is due; null otherwise. */
    Instant due;
    final List<TaskView.Attempt> history = new ArrayList<>(1);

    /** A task as accepted: queued, or scheduled until {@code due}. */
    TaskLife(TaskState initial, Instant due) {
        if (initial != TaskState.QUEUED && initial != TaskState.SCHEDULED) {
            throw new IllegalArgumentException("a task is accepted queued or scheduled, not " + initial);
        }
        this.state = initial;
        this.due = initial == TaskState.SCHEDULED ? due : null;
    }

    private TaskLife() {
    }

    /** A task as a snapshot recorded it: set as it was, nothing checked, nothing applied. */
    static TaskLife restored(TaskState state, int attempts, int attemptBase, JsonNode result, TaskError error,
            Instant startedAt, Instant finishedAt, String worker, Instant due, List<TaskView.Attempt> history) {
        TaskLife l = new TaskLife();
        l.state = state;
        l.attempts = attempts;
        l.attemptBase = attemptBase;
        l.result = result;
        l.error = error;
        l.startedAt = startedAt;
        l.finishedAt = finishedAt;
        l.worker = worker;
        l.due = due;
        l.history.addAll(history);
        return l;
    }

    /** A task as a view shows it (a snapshot, a dead letter), with what a view leaves out: set as it was. */
    static TaskLife of(TaskView v, int attemptBase, Instant due) {
        return restored(v.status(), v.attempts(), attemptBase, v.result(), v.error(), v.startedAt(), v.finishedAt(),
                v.worker(), due, v.history());
    }

    /**
     * Applies {@code c} if the task is where {@code c} expects it (the state the table lets it leave, the attempt
     * it names); returns whether it changed anything.
     */
    boolean apply(TaskCommand c) {
        if (c instanceof TaskCommand.Release x) {
            if (state != x.from() || !move(TaskState.QUEUED)) {
                return false;
            }
            due = null;
        } else if (c instanceof TaskCommand.Start x) {
            if (state != TaskState.QUEUED || x.attempt() != attempts + 1 || !move(TaskState.RUNNING)) {
                return false;
            }
            attempts = x.attempt();
            startedAt = x.at();
            worker = x.executor();
        } else if (c instanceof TaskCommand.End x) {
            if (state == TaskState.CANCELLING && x.attempt() == attempts) {
                boolean told = x.error() != null && TaskError.CANCELLED.equals(x.error().type());
                return stopped(x.at(), told ? x.error() : TaskError.of(TaskError.CANCELLED, "cancelled while it ran"));
            }
            if (state != TaskState.RUNNING || x.attempt() != attempts || !move(x.next())) {
                return false;
            }
            result = x.result();
            error = x.error();
            history.add(new TaskView.Attempt(x.attempt(), worker, startedAt, x.at(), x.error()));
            due = x.due();
            if (x.next().isTerminal()) {
                finishedAt = x.at();
            }
        } else if (c instanceof TaskCommand.HandBack x) {
            if (state == TaskState.CANCELLING && x.attempt() == attempts) {
                return stopped(x.at(), x.reason());
            }
            if (state != TaskState.RUNNING || x.attempt() != attempts || !move(TaskState.QUEUED)) {
                return false;
            }
            history.add(new TaskView.Attempt(x.attempt(), worker, startedAt, x.at(), x.reason()));
        } else if (c instanceof TaskCommand.Stop x) {
            if (state != TaskState.RUNNING || x.attempt() != attempts || !move(TaskState.CANCELLING)) {
                return false; // it is cancelled when this attempt ends
            }
        } else if (c instanceof TaskCommand.Cancel x) {
            if (state == TaskState.CANCELLING || !move(TaskState.CANCELLED)) {
                return false;
            }
            finishedAt = x.at();
            due = null;
        } else if (c instanceof TaskCommand.Retry) {
            if (state != TaskState.FAILURE || !move(TaskState.QUEUED)) {
                return false;
            }
            attemptBase = attempts;
            finishedAt = null;
            due = null;
        } else {
            throw new IllegalArgumentException("unknown command " + c);
        }
        return true;
    }

    /**
     * The attempt of a task being cancelled ended (its result, if any, dropped) or went back: the task is cancelled,
     * and the attempt's history says why.
     */
    private boolean stopped(Instant at, TaskError why) {
        move(TaskState.CANCELLED);
        history.add(new TaskView.Attempt(attempts, worker, startedAt, at, why));
        finishedAt = at;
        due = null;
        return true;
    }

    /** Moves to {@code next} if the table allows it from here. */
    private boolean move(TaskState next) {
        if (!state.canMoveTo(next)) {
            return false;
        }
        state = next;
        return true;
    }
}
