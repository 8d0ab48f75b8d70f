package io.fastworker.engine;

import io.fastworker.limit.Limits;
import io.fastworker.queue.TaskState;
import io.fastworker.store.Journal;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Start-up with the disk store: the journal's commands are applied to the engine's state through the one
 * {@link EngineState#apply} (replay has no logic of its own), then the running control plane takes up what they
 * left. Guarantees: every unfinished task is taken up (queued in its priority and acceptance order, scheduled and
 * retrying ones at their due time, a task that was running queued again with {@code control_plane_restart} in its
 * history: at-least-once), and every result, dead letter, claim, limit, schedule and group still kept.
 */
@ApplicationScoped
class Recovery {

    private static final Logger LOG = Logger.getLogger(Recovery.class);

    @Inject
    EngineState state;

    @Inject
    CommandLog log;

    @Inject
    TaskEngine engine;

    @Inject
    Holdings held;

    @Inject
    Limits limits;

    @Inject
    Clock clock;

    @Inject
    io.fastworker.config.FastWorkerConfig.Link linkSettings;

    /** Tasks that ended in the journal's tail (after its snapshot) and may have follow-ups still to make. */
    private final Map<String, TaskRecord> endedInTail = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TaskRecord> eldest) {
            return size() > ENDED_KEPT; // a follower applies for days: only the latest can lack their follow-ups
        }
    };

    private static final int ENDED_KEPT = 10_000;

    /** Reads the journal back, then queues, times and follows up on what it holds. */
    void recover() throws IOException {
        long t0 = System.nanoTime();
        Journal.Recovery read = log.open(this::replay);
        report(read, t0, takeUp());
    }

    /** Applies a command read back from the journal or committed in the cluster's log. */
    void replay(Command c) {
        TaskRecord before = c instanceof TaskCommand t ? state.task(t.id()) : null;
        if (state.apply(c) && before != null && before.state().isTerminal()) {
            endedInTail.put(before.id(), before);
        }
    }

    /** Takes up what the replayed commands left: queues and times the unfinished tasks, makes missing follow-ups. */
    Map<TaskState, Integer> takeUp() {
        Instant now = clock.instant();
        state.sweep(now);
        state.limits().forEach((task, l) -> limits.set(task, Limits.Source.API, l));
        state.schedules().values().forEach(s -> held.add(0, Footprint.of(s.definition())));
        state.groups().values().forEach(g -> held.add(0, Footprint.of(g.then())));
        Map<TaskState, Integer> counts = new EnumMap<>(TaskState.class);
        List<TaskRecord> unfinished = state.unfinishedInOrder();
        for (TaskRecord r : unfinished) {
            counts.merge(r.state(), 1, Integer::sum);
            held.add(1, r.footprint);
            boolean ran = r.state() == TaskState.RUNNING || r.state() == TaskState.CANCELLING;
            if (ran && log.clustered()) {
                engine.awaitClaim(r, linkSettings.grace()); // its subworker may carry on under this leader
                continue;
            }
            if (r.state() == TaskState.CANCELLING) {
                engine.stoppedInRestart(r, now);
                continue;
            }
            if (r.state() == TaskState.RUNNING) {
                engine.lostInRestart(r, now);
            }
            engine.resume(r, now);
        }
        tellEnded(endedInTail);
        endedInTail.clear();
        if (held.over()) {
            LOG.warnf("Task store: what it restored takes more than fastworker.queue.capacity or .max-bytes allow "
                    + "(%d unfinished tasks, about %d MiB held for later, of %d MiB); all of it is kept, and new "
                    + "submissions are refused with 429 until it drains", held.count(), held.bytes() >> 20,
                    held.maxBytes() >> 20);
        }
        return counts;
    }

    /**
     * Tells the end listeners again about tasks that ended before the restart: a group's members (its end may not
     * have been recorded), and the steps of chains that ended in the journal's tail.
     */
    private void tellEnded(Map<String, TaskRecord> endedInTail) {
        List<TaskView> finished = new ArrayList<>();
        state.results().forEachLive(finished::add);
        for (TaskView v : finished) {
            TaskRecord r = endedInTail.get(v.id());
            boolean chain = r != null && r.spec.then() != null && v.status() == TaskState.SUCCESS;
            if (chain || v.group() != null) {
                engine.tellEnded(v, r == null ? null : r.spec, r == null ? Map.of() : r.traceContext, true);
            }
        }
    }

    private void report(Journal.Recovery read, long t0, Map<TaskState, Integer> counts) {
        String dir = log.journal().directory().toAbsolutePath().toString();
        String torn = read.tornBytes() == 0 ? ""
                : String.format("; a torn last record (%d bytes, never acknowledged) was dropped from %s",
                        read.tornBytes(), read.tornFile());
        String summary = String.format("Task store %s: %d records read in %d ms; restored %d unfinished tasks (%s)"
                + " and %d results%s", dir, read.records(), (System.nanoTime() - t0) / 1_000_000, held.count(),
                describe(counts), state.results().size(), torn);
        if (read.setAside() != null) {
            LOG.errorf("Task store %s: a corrupt journal file was set aside as %s (fastworker.store.set-aside-corrupt);"
                    + " the %d bytes after its corrupt record are lost, with the tasks and results they held", dir,
                    read.setAside(), read.lostBytes());
        }
        if (read.tornBytes() > 0 || read.setAside() != null) {
            LOG.warn(summary);
        } else {
            LOG.info(summary);
        }
    }

    static String describe(Map<TaskState, Integer> counts) {
        StringBuilder b = new StringBuilder();
        for (TaskState s : TaskState.values()) {
            if (!s.isTerminal() && counts.containsKey(s)) {
                b.append(b.length() == 0 ? "" : ", ").append(counts.get(s)).append(' ').append(s.wireName())
                        .append(s == TaskState.RUNNING ? " (queued again)" : s == TaskState.CANCELLING
                                ? " (cancelled)" : "");
            }
        }
        return b.length() == 0 ? "none" : b.toString();
    }
}
