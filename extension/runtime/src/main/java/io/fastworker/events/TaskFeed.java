package io.fastworker.events;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.TaskProgress;
import io.fastworker.queue.TaskState;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The state changes of every task, as they happen, and the progress its running attempts report, for readers that
 * follow them ({@code GET /events}).
 *
 * <p>Guarantees: every state change of an accepted task is published, once, with a sequence number that grows by
 * one per change; a task's changes are published in the order they happened. The last
 * {@code fastworker.events.buffer} changes are kept, so a reader that falls behind by less than that, or comes
 * back after a short disconnect, misses nothing; a reader further behind is told which changes it missed
 * ({@link Reader#next} answers {@link Gap}). Nothing here ever holds a task's arguments or result. Publishing never
 * blocks and never waits for a reader.
 */
@ApplicationScoped
public class TaskFeed {

    /**
     * One state change, or one progress report of a running attempt ({@code progress} set, {@code status}
     * {@code running}). {@code attempt} is the number of the attempt it belongs to (0 before the first).
     */
    public record Event(long seq, String id, String task, TaskState status, int attempt, String worker, Instant at,
            TaskProgress progress) {
    }

    /** What a reader gets when the changes it asked for are no longer kept: from {@code first} to {@code last}. */
    public record Gap(long first, long last) {
    }

    @Inject
    FastWorkerConfig.Events eventsSettings;

    /** Tells a reader's owner that new changes may be readable. Called on the publisher's thread: keep it short. */
    public interface Wakeup {
        void wake();
    }

    /** Identifies this run of the control plane in event ids: sequence numbers restart with the process. */
    private final String epoch = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicLong next = new AtomicLong(1);
    private final List<Reader> readers = new CopyOnWriteArrayList<>();
    private AtomicReferenceArray<Event> ring;

    @PostConstruct
    void init() {
        ring = new AtomicReferenceArray<>(eventsSettings.buffer());
    }

    /** Publishes one state change. */
    public void publish(String id, String task, TaskState status, int attempt, String worker, Instant at) {
        add(id, task, status, attempt, worker, at, null);
    }

    /** Publishes one progress report of a running attempt. */
    public void progress(String id, String task, int attempt, String worker, TaskProgress progress) {
        add(id, task, TaskState.RUNNING, attempt, worker, progress.at(), progress);
    }

    private void add(String id, String task, TaskState status, int attempt, String worker, Instant at,
            TaskProgress progress) {
        long seq = next.getAndIncrement();
        ring.set(slot(seq), new Event(seq, id, task, status, attempt, worker, at, progress));
        for (Reader r : readers) {
            r.wakeup.wake();
        }
    }

    /** This run's epoch: an event id is {@code <epoch>.<seq>}. */
    public String epoch() {
        return epoch;
    }

    /** The sequence number of the latest change published (0 before the first). */
    public long published() {
        return next.get() - 1;
    }

    /** How many readers follow the feed now. */
    public int readers() {
        return readers.size();
    }

    /**
     * A reader of the changes after {@code afterSeq} (0: from the oldest kept; -1: only changes from now on),
     * woken through {@code wakeup} when there may be more. Close it when done.
     */
    public Reader open(long afterSeq, Wakeup wakeup) {
        long from = afterSeq < 0 ? next.get() : afterSeq + 1;
        Reader r = new Reader(Math.max(from, 1), wakeup);
        readers.add(r);
        return r;
    }

    private int slot(long seq) {
        return (int) (seq % ring.length());
    }

    /** A cursor over the feed, used by one thread at a time. */
    public final class Reader implements AutoCloseable {
        private long cursor;
        private final Wakeup wakeup;

        private Reader(long cursor, Wakeup wakeup) {
            this.cursor = cursor;
            this.wakeup = wakeup;
        }

        /**
         * The next change ({@link Event}), the changes missed when the next one is no longer kept ({@link Gap}; the
         * cursor then moves to the oldest one kept), or null when there is none yet.
         */
        public Object next() {
            long published = next.get() - 1;
            if (cursor > published) {
                return null;
            }
            long oldest = Math.max(1, published - ring.length() + 1);
            if (cursor < oldest) {
                Gap gap = new Gap(cursor, oldest - 1);
                cursor = oldest;
                return gap;
            }
            Event e = ring.get(slot(cursor));
            if (e == null || e.seq() < cursor) {
                return null; // its publisher has not stored it yet; it wakes us once it has
            }
            if (e.seq() > cursor) {
                // overwritten between the two reads: report it on the next call
                return next();
            }
            cursor++;
            return e;
        }

        /** The sequence number of the next change this reader will see. */
        public long position() {
            return cursor;
        }

        @Override
        public void close() {
            readers.remove(this);
        }
    }
}
