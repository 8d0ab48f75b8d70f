package io.fastworker.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * The control plane's settings: how it holds, keeps and stores tasks. Part of {@link FastWorkerConfig}, under {@code fastworker.*}.
 */
public interface ControlPlaneSettings {

    /** The control plane: where subworkers find it, and whether it runs tasks itself. */
    ControlPlane controlPlane();

    /** The ready queue. */
    Queue queue();

    /** Finished tasks kept for {@code GET /tasks/{id}}. */
    ResultCache resultCache();

    /** What one attempt may return. */
    Result result();

    /** Where the control plane keeps what it accepted, so that a restart loses nothing. */
    Store store();

    /** Repeated submissions. */
    Idempotency idempotency();

    /** Failed tasks kept for inspection and replay. */
    DeadLetters deadLetters();

    interface ControlPlane {
        /**
         * Where a subworker dials the control plane's link: {@code tcp://host:port}, or {@code tls://host:port}
         * for a link with TLS (see {@code fastworker.subworker.tls.*}).
         */
        @WithDefault("tcp://127.0.0.1:5555")
        String address();

        /**
         * Whether the control plane runs tasks itself while no subworker is connected. With {@code false},
         * tasks wait for a subworker.
         */
        @WithDefault("true")
        boolean executeLocally();

        /**
         * Whether the tasks the control plane runs itself run on virtual threads, a new one per attempt, where the
         * JVM has them (Java 21+; an older JVM uses platform threads whatever this says); as
         * {@code fastworker.subworker.virtual-threads} for a subworker.
         */
        @WithDefault("true")
        boolean virtualThreads();

        /**
         * How long a stopping control plane (SIGTERM) waits for running tasks to finish and report before it
         * closes the link; at most one day. It accepts no new task meanwhile and logs what it leaves unfinished.
         */
        @WithDefault("PT30S")
        @Check.Span(max = "P1D", zero = true)
        Duration drainTimeout();
    }

    interface Queue {
        /**
         * Most tasks the control plane holds that have not finished (queued, scheduled, waiting for a retry or
         * running). Past it a submission is refused with {@code 429} and nothing already accepted is dropped.
         */
        @WithDefault("100000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int capacity();

        /**
         * Most heap the arguments of unfinished tasks may take (an estimate of their JSON trees, erring high). Past
         * it a submission is refused with {@code 429} ({@code reason=queue_bytes}) and nothing already accepted is
         * dropped. Default: a quarter of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();
    }

    interface ResultCache {
        /** Most finished tasks kept; the one that finished first is dropped first. */
        @WithDefault("10000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int size();

        /**
         * Most heap the kept results may take (an estimate, erring high); past it the results that finished first
         * are dropped first, as past {@link #size()}. Default: a quarter of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();

        /** How long a finished task stays readable after it finished; a plain number means seconds. */
        @WithDefault("PT1H")
        @Check.Span(max = "P366D")
        Duration ttl();

        /** How often expired results are swept out of memory (reads never see an expired result). */
        @WithDefault("PT30S")
        @Check.Span(max = "P1D")
        Duration sweepInterval();
    }

    interface Result {
        /**
         * Largest result one attempt may return, as JSON (1K to 1G). A larger one fails its attempt with error type
         * {@code bad_result} (never retried) where it is made: on the subworker before it is sent, on the control
         * plane for a task it runs itself. The control plane also refuses a larger result from a subworker, and
         * tells subworkers its limit when they join (they keep to the smaller of theirs and its).
         */
        @WithDefault("1M")
        @Check.Bytes(min = 1024, max = 1L << 30)
        MemorySize maxSize();
    }

    interface DeadLetters {
        /** Most failed tasks kept (the oldest failure goes first), independent of the result cache. */
        @WithDefault("10000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int max();

        /** How long a failed task is kept after it failed, for {@code GET /dead-letters} and a replay. */
        @WithDefault("P7D")
        @Check.Span(max = "P3660D")
        Duration retention();

        /**
         * Most heap the dead letters may take with their arguments and results (an estimate, erring high); past it
         * the oldest failure goes first. Default: an eighth of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();
    }

    interface Idempotency {
        /**
         * How long an {@code Idempotency-Key} gives back the task it first created, and a client-chosen task id
         * stays taken, whether or not the task's result is still kept.
         */
        @WithDefault("PT24H")
        @Check.Span(max = "P366D")
        Duration window();

        /**
         * Most idempotency keys and client-chosen task ids held within the window (1 to 100,000,000). Past it a
         * submission that needs a new one is refused with {@code 429} ({@code reason=idempotency_keys}), nothing of
         * it accepted, until older ones expire.
         */
        @WithDefault("1000000")
        @Check.Bounds(min = 1, max = 100_000_000)
        int maxKeys();

        /**
         * Most heap the held keys and ids may take (an estimate, erring high); past it as past {@link #maxKeys()}
         * ({@code reason=idempotency_bytes}). Default: an eighth of the maximum heap.
         */
        @Check.HeapShare
        Optional<MemorySize> maxBytes();
    }

    interface Store {
        /**
         * {@code disk}: every accepted task, its attempts and its result are journaled under {@link #path()}, and
         * a restarted control plane takes up where it stopped. {@code memory}: nothing is written, a restart loses
         * every queued task and result (tests, benchmarks). Subworkers keep nothing either way.
         */
        @WithDefault("disk")
        StoreMode mode();

        /**
         * Whether the control plane starts even when a journal file is corrupt (not merely torn by a crash): the
         * file is renamed {@code *.corrupt-<time>} and kept, the records before the corrupt one are restored, and
         * what follows it in that file is lost (the log says how much). Off: start-up stops, naming file and offset.
         */
        @WithDefault("false")
        boolean setAsideCorrupt();

        /** The directory of the journal (created if missing); one control plane per directory. */
        @WithDefault("fastworker-data")
        String path();

        /**
         * {@code always}: a submission is answered only once its record is on disk (one fsync shared by every
         * submission that arrived meanwhile). {@code interval}: answered once written, synced every
         * {@link #syncInterval()}: a crash of the process loses nothing, a crash of the machine may lose what was
         * accepted in the last interval.
         */
        @WithDefault("always")
        SyncMode sync();

        /**
         * How often the journal is synced with {@code sync=interval}; with {@code always}, how soon the records
         * nobody waits for (an attempt's start and end, a result) are synced when no submission syncs them first.
         */
        @WithDefault("PT0.01S")
        @Check.Span(max = "PT10S")
        Duration syncInterval();

        /**
         * Once the journal has grown by this much (and by at least the size of the last snapshot) since the last
         * compaction, it is rewritten in the background as the unfinished tasks and kept results only, so the disk
         * used follows what is held, not what ever ran.
         */
        @WithDefault("64M")
        @Check.Bytes(min = 1 << 20)
        MemorySize compactAfter();
    }

    /** Where accepted tasks are kept. */
    enum StoreMode {
        DISK, MEMORY
    }

    /** When the journal is synced to disk. */
    enum SyncMode {
        ALWAYS, INTERVAL
    }
}
