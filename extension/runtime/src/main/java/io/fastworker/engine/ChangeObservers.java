package io.fastworker.engine;

import io.fastworker.events.TaskFeed;
import io.fastworker.limit.Limits;
import io.fastworker.queue.TaskState;
import io.fastworker.telemetry.TaskMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;

/**
 * Tells those who watch tasks of a change just made now: the task metrics, the limits (attempts running per task)
 * and the feed of changes. Each change is told once, as it took effect (an attempt that ended a task being cancelled
 * is told as its cancel).
 */
@ApplicationScoped
class ChangeObservers {

    @Inject
    TaskMetrics metrics;

    @Inject
    TaskFeed feed;

    @Inject
    Limits limits;

    /** A task accepted (or queued again by request): counted and published. */
    void accepted(TaskRecord r, Instant now) {
        metrics.submitted(r.name());
        feed.publish(r.id(), r.name(), r.state(), r.attempts(), null, now);
    }

    /** A running attempt a new leader took over: it counts against its task's limit until it ends. */
    void takenOver(TaskRecord r) {
        limits.started(r.name());
    }

    /** The observers of changes: the task metrics, the limits and the feed of changes. */
    void changed(TaskRecord r, TaskCommand c) {
        if (c instanceof TaskCommand.Release x) {
            feed.publish(r.id(), r.name(), TaskState.QUEUED, r.attempts(), null, x.at());
        } else if (c instanceof TaskCommand.Start x) {
            limits.started(r.name());
            feed.publish(r.id(), r.name(), TaskState.RUNNING, x.attempt(), x.executor(), x.at());
        } else if (c instanceof TaskCommand.End x) {
            limits.ended(r.name());
            if (TaskEngine.stopped(r)) {
                metrics.cancelled(r.name());
                feed.publish(r.id(), r.name(), TaskState.CANCELLED, x.attempt(), r.worker(), x.at());
                return;
            }
            if (x.next() == TaskState.RETRYING) {
                metrics.retried(r.name());
            } else if (x.next().isTerminal()) {
                Instant started = r.startedAt();
                metrics.completed(r.name(), x.next() == TaskState.SUCCESS,
                        started == null ? null : Duration.between(started, x.at()));
            }
            feed.publish(r.id(), r.name(), x.next(), x.attempt(), r.worker(), x.at());
        } else if (c instanceof TaskCommand.HandBack x) {
            limits.ended(r.name());
            if (TaskEngine.stopped(r)) {
                metrics.cancelled(r.name());
                feed.publish(r.id(), r.name(), TaskState.CANCELLED, x.attempt(), r.worker(), x.at());
                return;
            }
            metrics.redelivered(r.name());
            feed.publish(r.id(), r.name(), TaskState.QUEUED, x.attempt(), r.worker(), x.at());
        } else if (c instanceof TaskCommand.Stop x) {
            feed.publish(r.id(), r.name(), TaskState.CANCELLING, x.attempt(), r.worker(), x.at());
        } else if (c instanceof TaskCommand.Cancel x) {
            metrics.cancelled(r.name());
            feed.publish(r.id(), r.name(), TaskState.CANCELLED, r.attempts(), null, x.at());
        }
    }
}
