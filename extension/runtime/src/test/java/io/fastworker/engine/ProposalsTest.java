package io.fastworker.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.replica.Replica;
import io.fastworker.replica.Replication;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Group commit into a replicated log: every waiter completes, and the log holds every command once, in order. */
class ProposalsTest {

    /** A log that takes entries in the order proposed and commits each after a short random delay. */
    static final class SlowLog implements Replication {
        final ScheduledExecutorService committer = Executors.newSingleThreadScheduledExecutor();
        final ConcurrentLinkedQueue<byte[]> entries = new ConcurrentLinkedQueue<>();

        @Override
        public boolean configured() {
            return true;
        }

        @Override
        public String memberId() {
            return "m";
        }

        @Override
        public void start(Replica replica) {
        }

        @Override
        public CompletableFuture<Void> propose(byte[] entry) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            entries.add(entry);
            committer.schedule(() -> {
                f.complete(null);
            }, ThreadLocalRandom.current().nextInt(2000), TimeUnit.MICROSECONDS);
            return f;
        }

        @Override
        public Optional<Leader> leader() {
            return Optional.empty();
        }

        @Override
        public long appliedIndex() {
            return -1;
        }

        @Override
        public long term() {
            return 0;
        }

        @Override
        public String problem() {
            return null;
        }

        @Override
        public void close() {
            committer.shutdown();
        }
    }

    @Test
    void everyWaiterCompletesAndEveryCommandIsInTheLogOnce() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        SlowLog log = new SlowLog();
        Proposals proposals = new Proposals(log, new CommandWriter(mapper.getFactory()));
        int threads = 8;
        int each = 500;
        List<CompletableFuture<Void>> waiters = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int client = t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    Command c = new Command.DeleteDeadLetter(client + "-" + i, Instant.EPOCH);
                    if (i % 3 == 0) {
                        proposals.add(List.of(c), false);
                    } else {
                        waiters.add(proposals.add(List.of(c), true));
                    }
                }
            });
            clients.add(th);
            th.start();
        }
        for (Thread th : clients) {
            th.join();
        }
        CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        Thread.sleep(100);
        List<String> ids = new ArrayList<>();
        CommandReader reader = new CommandReader(mapper);
        for (byte[] e : log.entries) {
            Proposals.decode(e, reader, c -> ids.add(((Command.DeleteDeadLetter) c).id()));
        }
        assertEquals(threads * each, ids.size());
        assertEquals(threads * each, ids.stream().distinct().count());
        for (int t = 0; t < threads; t++) {
            String prefix = t + "-";
            List<Integer> mine = ids.stream().filter(id -> id.startsWith(prefix))
                    .map(id -> Integer.parseInt(id.substring(prefix.length()))).toList();
            assertEquals(java.util.stream.IntStream.range(0, each).boxed().toList(), mine, "client " + t
                    + "'s commands are in the log in the order it handed them in");
        }
        assertTrue(log.entries.size() < threads * each, "commands shared entries: " + log.entries.size());
        proposals.close();
        log.close();
    }

    @Test
    void aBarrierCompletesOnceEverythingHandedInBeforeItIsCommittedAndFailsOnceAnEntryFailed() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        EngineHarness.HeldLog log = new EngineHarness.HeldLog();
        Proposals proposals = new Proposals(log, new CommandWriter(mapper.getFactory()));
        assertTrue(proposals.barrier().isDone(), "nothing outstanding: at once");

        proposals.add(List.of(new Command.DeleteDeadLetter("a", Instant.EPOCH)), false);
        CompletableFuture<Void> afterA = proposals.barrier();
        Waiting.until(() -> log.proposed.size() == 1);
        proposals.add(List.of(new Command.DeleteDeadLetter("b", Instant.EPOCH)), false);
        CompletableFuture<Void> afterB = proposals.barrier();
        Thread.sleep(50);
        assertTrue(!afterA.isDone() && !afterB.isDone(), "nothing is committed yet");
        log.proposed.get(0).complete(null);
        afterA.get(5, TimeUnit.SECONDS);
        Waiting.until(() -> log.proposed.size() == 2); // b went out once a was committed, or beside it
        Thread.sleep(50);
        assertTrue(!afterB.isDone(), "b is not committed yet");
        log.proposed.get(1).completeExceptionally(new IllegalStateException("not leader"));
        Waiting.until(afterB::isCompletedExceptionally);
        assertTrue(proposals.barrier().isCompletedExceptionally(), "once an entry failed, no barrier holds");
        List<String> ids = new ArrayList<>();
        CommandReader reader = new CommandReader(mapper);
        for (byte[] e : log.entries) {
            Proposals.decode(e, reader, c -> ids.add(((Command.DeleteDeadLetter) c).id()));
        }
        assertEquals(List.of("a", "b"), ids, "a barrier adds no command to the log");
        proposals.close();
    }

    @Test
    void commandsWaitingWithoutACommitAreAProblemOnceTheStallTimeoutPassesAndIdleIsNone() throws Exception {
        EngineHarness.HeldLog log = new EngineHarness.HeldLog();
        Proposals proposals = new Proposals(log, new CommandWriter(new ObjectMapper().getFactory()));
        long stall = TimeUnit.SECONDS.toNanos(1);
        long later = TimeUnit.SECONDS.toNanos(10);
        assertEquals(null, proposals.problem(System.nanoTime() + later, stall), "idle");
        proposals.add(List.of(new Command.DeleteDeadLetter("a", Instant.EPOCH)), false);
        Waiting.until(() -> log.proposed.size() == 1);
        assertEquals(null, proposals.problem(System.nanoTime(), stall), "just sent");
        String stuck = proposals.problem(System.nanoTime() + later, stall);
        assertTrue(stuck != null && stuck.startsWith("cluster proposals: no progress"), stuck);
        log.commit();
        Waiting.until(() -> proposals.problem(System.nanoTime() + later, stall) == null);
        proposals.close();
    }

    /** Waits up to 5 s for a condition the proposals' thread makes true. */
    static final class Waiting {
        static void until(java.util.function.BooleanSupplier done) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!done.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, "not within 5 s");
                Thread.sleep(5);
            }
        }
    }
}
