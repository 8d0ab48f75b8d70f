package io.fastworker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.limit.Limit;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The replay contract: a random history of commands of every kind applied live (some refused, as late, duplicate
 * or hostile ones are), then replayed from the journal's bytes, then from a snapshot taken part way plus the
 * journal's tail, gives the same state, byte for byte in a snapshot. Replay is no second implementation: it decodes
 * the commands ({@link CommandReader}) and applies them through the same {@link EngineState#apply}. The bounds on
 * results and dead letters are small, so that what they evict must agree too. Thousands of seeded histories; a
 * failure names its seed.
 */
class ReplayContractTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final CommandWriter WRITER = new CommandWriter(MAPPER.getFactory());
    static final CommandReader READER = new CommandReader(MAPPER);
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    /** Late enough that every history has ended, early enough that nothing it keeps has expired. */
    static final Clock CLOCK = Clock.fixed(T0.plus(Duration.ofHours(6)), ZoneOffset.UTC);
    static final int HISTORIES = 3000;

    static EngineState fresh() {
        return new EngineState(new EngineState.Bounds(6, Long.MAX_VALUE, Duration.ofDays(1), 3, Long.MAX_VALUE,
                Duration.ofDays(7), 100, Long.MAX_VALUE), CLOCK);
    }

    static byte[] bytes(Command c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            WRITER.record(c).writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The whole state as a compaction writes it, one record per line: what the contract compares. */
    static String snapshot(EngineState s) {
        StringBuilder b = new StringBuilder();
        s.snapshot(c -> b.append(new String(bytes(c), StandardCharsets.UTF_8)).append('\n'), CLOCK.millis());
        return b.toString();
    }

    static List<byte[]> records(EngineState s) {
        List<byte[]> out = new ArrayList<>();
        s.snapshot(c -> out.add(bytes(c)), CLOCK.millis());
        return out;
    }

    static EngineState replay(List<byte[]> records) throws IOException {
        EngineState s = fresh();
        for (byte[] r : records) {
            s.apply(READER.read(r));
        }
        return s;
    }

    @Test
    void aHistoryAppliedLiveReplaysToTheSameStateFromItsJournalAndFromASnapshotPlusTheTail() throws Exception {
        Map<String, Integer> changed = new java.util.TreeMap<>();
        for (long seed = 0; seed < HISTORIES; seed++) {
            history(seed, changed);
        }
        // Every kind of command took effect often enough to mean something.
        for (Class<?> kind : List.of(Command.Accept.class, TaskCommand.Release.class, TaskCommand.Start.class,
                TaskCommand.End.class, TaskCommand.HandBack.class, TaskCommand.Cancel.class, TaskCommand.Retry.class,
                TaskCommand.Stop.class,
                Command.DeleteDeadLetter.class, Command.SetLimit.class, Command.DefineSchedule.class,
                Command.PauseSchedule.class, Command.ScheduleRan.class, Command.KeepGroup.class,
                Command.EndGroup.class, Command.ForgetGroup.class)) {
            assertTrue(changed.getOrDefault(kind.getSimpleName(), 0) >= 100, () -> kind.getSimpleName()
                    + " changed the state too rarely to be checked: " + changed);
        }
    }

    /** One history; counts in {@code changed} the commands that changed the state, by kind. */
    private void history(long seed, Map<String, Integer> changed) throws Exception {
        Random rnd = new Random(seed);
        History h = new History(rnd, changed);
        int steps = 1 + rnd.nextInt(80);
        int cut = rnd.nextInt(steps);
        List<byte[]> snapshotAtCut = null;
        int journalAtCut = 0;
        for (int step = 0; step < steps; step++) {
            if (step == cut) {
                snapshotAtCut = records(h.live);
                journalAtCut = h.journal.size();
            }
            h.now = h.now.plusMillis(1 + rnd.nextInt(1000));
            h.step();
        }
        String expected = snapshot(h.live);
        assertEquals(expected, snapshot(replay(h.journal)), "seed " + seed + ": replayed from the journal");
        List<byte[]> tail = new ArrayList<>(snapshotAtCut);
        tail.addAll(h.journal.subList(journalAtCut, h.journal.size()));
        assertEquals(expected, snapshot(replay(tail)), "seed " + seed + ": replayed from a snapshot and the tail");
    }

    /** A live engine's state and its journal, driven by random commands as the engine would issue them. */
    static final class History {
        final Random rnd;
        final EngineState live = fresh();
        final List<byte[]> journal = new ArrayList<>();
        final List<String> ids = new ArrayList<>();
        final Consumer<Command> journaling = c -> journal.add(bytes(c));
        final Map<String, Integer> changed;
        Instant now = T0;

        History(Random rnd, Map<String, Integer> changed) {
            this.rnd = rnd;
            this.changed = changed;
        }

        private void count(Command c) {
            changed.merge(c.getClass().getSimpleName(), 1, Integer::sum);
        }

        void step() {
            int kind = rnd.nextInt(20);
            if (ids.isEmpty() || kind < 3) {
                recordThenApply(accept());
            } else if (kind < 13) {
                TaskCommand c = taskCommand(ids.get(rnd.nextInt(ids.size())));
                if (c instanceof TaskCommand.Retry) {
                    recordThenApply(c); // a retry by request is recorded first, like a submission
                } else if (live.applyNow(c, journaling) != null) {
                    count(c);
                }
            } else if (kind < 15) {
                applyThenRecord(new Command.DeleteDeadLetter(ids.get(rnd.nextInt(ids.size())), now));
            } else if (kind == 15) {
                recordThenApply(new Command.SetLimit("echo" + rnd.nextInt(2), rnd.nextBoolean() ? null
                        : new Limit(1 + rnd.nextInt(5), null)));
            } else if (kind == 16) {
                String id = "s" + rnd.nextInt(3);
                recordThenApply(switch (rnd.nextInt(3)) {
                    case 0 -> new Command.DefineSchedule(id, rnd.nextInt(4) == 0 ? null
                            : JSON.objectNode().put("id", id).put("every", rnd.nextInt(60) + "s"));
                    case 1 -> new Command.PauseSchedule(id, rnd.nextBoolean());
                    default -> new Command.ScheduleRan(id, now, "tick-" + rnd.nextInt(1000));
                });
            } else {
                String id = "g" + rnd.nextInt(3);
                switch (rnd.nextInt(3)) {
                    case 0 -> recordThenApply(new Command.KeepGroup(new StoredGroup(id, 1 + rnd.nextInt(3),
                            rnd.nextBoolean() ? null : JSON.objectNode().put("task", "sum"), now, null)));
                    case 1 -> applyThenRecord(new Command.EndGroup(id, now));
                    default -> recordThenApply(new Command.ForgetGroup(id));
                }
            }
        }

        private void recordThenApply(Command c) {
            journaling.accept(c);
            if (live.apply(c)) {
                count(c);
            }
        }

        private void applyThenRecord(Command c) {
            if (live.apply(c)) {
                journaling.accept(c);
                count(c);
            }
        }

        /** A new task, sometimes with an idempotency key, a chosen id, a countdown, a schedule or a group. */
        private Command.Accept accept() {
            String id = rnd.nextInt(8) == 0 && !ids.isEmpty() ? ids.get(rnd.nextInt(ids.size())) : "t" + ids.size();
            TaskOptions options = new TaskOptions(Priority.values()[rnd.nextInt(Priority.values().length)],
                    rnd.nextInt(3), Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), Duration.ofMinutes(1));
            Instant notBefore = rnd.nextBoolean() ? null : now.plusSeconds(rnd.nextInt(3) - 1);
            ObjectNode then = rnd.nextInt(4) == 0 ? JSON.objectNode().put("task", "next") : null;
            TaskSpec spec = new TaskSpec(id, "echo" + rnd.nextInt(2), JSON.arrayNode().add(ids.size()),
                    JSON.objectNode(), options, notBefore, rnd.nextInt(5) == 0 ? new FromSchedule("s" + rnd.nextInt(3),
                            now) : null,
                    null, then, then == null ? null : new ChainStep("c" + id, 0, 2),
                    rnd.nextInt(5) == 0 ? new GroupMember("g" + rnd.nextInt(3), 0, 2) : null);
            if (!ids.contains(id)) {
                ids.add(id);
            }
            boolean keyed = rnd.nextInt(3) == 0;
            return new Command.Accept(spec, now, rnd.nextBoolean() ? Map.of() : Map.of("traceparent",
                    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), keyed ? "key-" + id : null,
                    keyed ? "fp-" + rnd.nextInt(2) : null, rnd.nextBoolean(), now.plus(Duration.ofDays(1)));
        }

        /**
         * A command for task {@code id}: usually one its state allows, sometimes one it does not (a late result, a
         * second cancel, an attempt number off by one), as races and hostile peers produce them.
         */
        private TaskCommand taskCommand(String id) {
            TaskRecord r = live.task(id);
            int attempts = r == null ? rnd.nextInt(3) : r.attempts();
            int attempt = rnd.nextInt(10) == 0 ? attempts + rnd.nextInt(3) - 1 : attempts;
            TaskError error = TaskError.of(rnd.nextBoolean() ? TaskError.TASK_ERROR : TaskError.TIMEOUT, "boom " + now);
            int pick = rnd.nextInt(8);
            if (rnd.nextInt(4) != 0) { // mostly what the task's state allows
                TaskState state = r == null ? null : r.state();
                pick = state == null ? 6
                        : state == TaskState.QUEUED ? 1
                                : state == TaskState.RUNNING ? (rnd.nextInt(5) == 0 ? 7 : 2 + rnd.nextInt(3))
                                        : state == TaskState.CANCELLING ? 2 + rnd.nextInt(3)
                                                : state == TaskState.SCHEDULED || state == TaskState.RETRYING
                                                        ? (rnd.nextInt(4) == 0 ? 5 : 0)
                                                        : pick;
                if (state == TaskState.SCHEDULED || state == TaskState.RETRYING) {
                    if (pick == 0) {
                        return new TaskCommand.Release(id, state, now);
                    }
                }
            }
            switch (pick) {
                case 0:
                    return new TaskCommand.Release(id, rnd.nextBoolean() ? TaskState.SCHEDULED : TaskState.RETRYING,
                            now);
                case 1:
                    return new TaskCommand.Start(id, Math.max(1, attempt + 1), "w" + rnd.nextInt(3), now);
                case 2:
                    return new TaskCommand.End(id, attempt, TaskState.SUCCESS, JSON.numberNode(rnd.nextInt()), null,
                            now, null);
                case 3:
                    return rnd.nextBoolean()
                            ? new TaskCommand.End(id, attempt, TaskState.RETRYING, null, error, now,
                                    now.plusMillis(rnd.nextInt(5000)))
                            : new TaskCommand.End(id, attempt, TaskState.FAILURE, null, error, now, null);
                case 4:
                    return new TaskCommand.HandBack(id, attempt, TaskError.of(TaskError.WORKER_LOST, "lost"), now);
                case 5:
                    return new TaskCommand.Cancel(id, now);
                case 7:
                    return new TaskCommand.Stop(id, Math.max(1, attempt), now);
                default:
                    return new TaskCommand.Retry(id, now);
            }
        }
    }
}
