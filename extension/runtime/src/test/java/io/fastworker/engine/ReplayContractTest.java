package io.fastworker.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.queue.TaskState;
import io.fastworker.store.JournalRecord;
import io.fastworker.task.Priority;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The replay contract: a random history of commands applied live (some of them refused, as late or duplicate ones
 * are), then replayed from the journal's bytes, then from a snapshot taken part way plus the journal's tail, gives
 * the same state, byte for byte in a snapshot. Replay is no second implementation: it decodes the commands and
 * applies them through the same {@link TaskLife#apply}. Thousands of seeded histories; a failure names its seed.
 */
class ReplayContractTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final TaskEvents CODEC = new TaskEvents(MAPPER);
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    static final int HISTORIES = 3000;

    static byte[] bytes(JournalRecord r) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.writeTo(out);
        return out.toByteArray();
    }

    /** A task's whole state as a compaction would write it: what the contract compares. */
    static byte[] snapshot(TaskRecord r) throws IOException {
        return bytes(CODEC.snapshot(r, r.view(), r.dueAt()));
    }

    @Test
    void aHistoryAppliedLiveReplaysToTheSameStateFromItsJournalAndFromASnapshotPlusTheTail() throws Exception {
        for (long seed = 0; seed < HISTORIES; seed++) {
            history(seed);
        }
    }

    private void history(long seed) throws Exception {
        Random rnd = new Random(seed);
        Map<String, TaskRecord> live = new LinkedHashMap<>();
        List<byte[]> journal = new ArrayList<>();
        Instant now = T0;
        int tasks = 1 + rnd.nextInt(4);
        for (int i = 0; i < tasks; i++) {
            TaskOptions options = new TaskOptions(Priority.NORMAL, rnd.nextInt(3), Duration.ofSeconds(1), 2.0,
                    Duration.ofMinutes(1), Duration.ofMinutes(1));
            Instant notBefore = rnd.nextBoolean() ? null : now.plusSeconds(rnd.nextInt(3) - 1);
            TaskSpec spec = new TaskSpec("t" + i, "echo", JSON.arrayNode().add(i), JSON.objectNode(), options,
                    notBefore);
            TaskRecord r = TaskRecord.accepted(spec, now, Map.of(), Footprint.of(spec));
            live.put(spec.id(), r);
            journal.add(bytes(CODEC.accepted(r, Submission.of(spec))));
        }
        int steps = rnd.nextInt(60);
        int cut = rnd.nextInt(steps + 1);
        Map<String, byte[]> snapshotAtCut = null;
        int journalAtCut = 0;
        for (int step = 0; step < steps; step++) {
            if (step == cut) {
                snapshotAtCut = new LinkedHashMap<>();
                for (TaskRecord r : live.values()) {
                    snapshotAtCut.put(r.id(), snapshot(r));
                }
                journalAtCut = journal.size();
            }
            now = now.plusMillis(1 + rnd.nextInt(1000));
            TaskRecord r = new ArrayList<>(live.values()).get(rnd.nextInt(live.size()));
            TaskCommand c = randomCommand(rnd, r, now);
            if (r.apply(c)) {
                journal.add(bytes(CODEC.command(c)));
            }
        }
        if (snapshotAtCut == null) {
            snapshotAtCut = new LinkedHashMap<>();
            for (TaskRecord r : live.values()) {
                snapshotAtCut.put(r.id(), snapshot(r));
            }
            journalAtCut = journal.size();
        }

        Map<String, TaskEvents.Restored> fromJournal = replay(journal);
        Map<String, TaskEvents.Restored> fromSnapshot = replay(concat(snapshotAtCut.values(),
                journal.subList(journalAtCut, journal.size())));
        for (TaskRecord r : live.values()) {
            byte[] expected = snapshot(r);
            assertArrayEquals(expected, snapshot(fromJournal.get(r.id()).record()), () -> "seed " + seed + ", task "
                    + r.id() + " replayed from the journal differs from the live one");
            assertArrayEquals(expected, snapshot(fromSnapshot.get(r.id()).record()), () -> "seed " + seed
                    + ", task " + r.id() + " replayed from a snapshot and the tail differs from the live one");
        }
        assertEquals(live.size(), fromJournal.size());
    }

    private static List<byte[]> concat(java.util.Collection<byte[]> first, List<byte[]> then) {
        List<byte[]> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }

    private static Map<String, TaskEvents.Restored> replay(List<byte[]> records) throws IOException {
        Map<String, TaskEvents.Restored> tasks = new LinkedHashMap<>();
        long order = 0;
        for (byte[] record : records) {
            CODEC.apply(record, tasks, new HashMap<>(), new HashMap<>(), new HashMap<>(), new HashMap<>(), order++,
                    60_000);
        }
        return tasks;
    }

    /**
     * A command for {@code r}: usually one its state allows, sometimes one it does not (a late result, a second
     * cancel, an attempt number off by one), as races and hostile peers produce them.
     */
    private static TaskCommand randomCommand(Random rnd, TaskRecord r, Instant now) {
        int attempts = r.attempts();
        int attempt = rnd.nextInt(10) == 0 ? attempts + rnd.nextInt(3) - 1 : attempts;
        TaskError error = TaskError.of(rnd.nextBoolean() ? TaskError.TASK_ERROR : TaskError.TIMEOUT, "boom " + now);
        switch (rnd.nextInt(7)) {
            case 0:
                return new TaskCommand.Release(r.id(), rnd.nextBoolean() ? TaskState.SCHEDULED : TaskState.RETRYING,
                        now);
            case 1:
                return new TaskCommand.Start(r.id(), Math.max(1, attempt + 1), "w" + rnd.nextInt(3), now);
            case 2:
                return new TaskCommand.End(r.id(), attempt, TaskState.SUCCESS, JSON.numberNode(rnd.nextInt()), null,
                        now, null);
            case 3:
                return rnd.nextBoolean()
                        ? new TaskCommand.End(r.id(), attempt, TaskState.RETRYING, null, error, now,
                                now.plusMillis(rnd.nextInt(5000)))
                        : new TaskCommand.End(r.id(), attempt, TaskState.FAILURE, null, error, now, null);
            case 4:
                return new TaskCommand.HandBack(r.id(), attempt, TaskError.of(TaskError.WORKER_LOST, "lost"), now);
            case 5:
                return new TaskCommand.Cancel(r.id(), now);
            default:
                return new TaskCommand.Retry(r.id(), now);
        }
    }
}
