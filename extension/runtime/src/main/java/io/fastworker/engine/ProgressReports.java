package io.fastworker.engine;

import io.fastworker.events.TaskFeed;
import io.fastworker.execution.TaskProgress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Takes the progress reports of running attempts from their executors.
 *
 * <p>Guarantees: a task's view shows the latest report of its running attempt, and none once that attempt has
 * ended; a report of an attempt that is not running is ignored. At most one report per task per
 * {@link #FEED_INTERVAL} reaches the events feed, whatever an executor sends. Reports are kept in this process's
 * memory only: they are neither journaled nor replicated, so a restart or a failover forgets them (the next report
 * of the attempt shows again).
 */
@ApplicationScoped
public class ProgressReports {

    /** The shortest time between two reports of one task on the events feed. */
    static final Duration FEED_INTERVAL = Duration.ofMillis(100);

    /** What became of a report. */
    enum Taken {
        IGNORED, KEPT, PUBLISH
    }

    /** A task's latest report, of which attempt, and when one of its reports last went to the feed. */
    record Latest(TaskProgress report, int attempt, Instant published) {
    }

    @Inject
    Clock clock;

    @Inject
    TaskFeed feed;

    /**
     * Takes a report of the attempt {@code a}; returns false when that attempt is not running (it ended, or a later
     * one started).
     */
    public boolean report(Assignment a, double fraction, String message) {
        TaskProgress p = new TaskProgress(fraction, message, clock.instant());
        Taken taken = a.record.progress(a.attempt(), p, FEED_INTERVAL);
        if (taken == Taken.PUBLISH) {
            feed.progress(a.taskId(), a.task(), a.attempt(), a.executor(), p);
        }
        return taken != Taken.IGNORED;
    }
}
