package io.fastworker.engine;

import io.fastworker.execution.DaemonThreads;
import io.fastworker.health.Pulse;
import io.fastworker.replica.Replication;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * Commands on their way into a cluster's replicated log, in the order they were handed in: whatever gathers while
 * entries are being committed goes out as the next entry (group commit), so many submissions share one round of
 * replication, and a few entries are replicated at once. Futures complete on this class's own thread, never under a
 * caller's lock.
 */
final class Proposals {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Proposals.class);

    /** An entry stays below this many bytes unless one command alone is larger. */
    private static final int ENTRY_BYTES = 4 << 20;
    /** Entries replicated at once: the log takes them in order, and its writes of several share one sync. */
    private static final int IN_FLIGHT = 4;

    private final Replication replication;
    private final CommandWriter writer;
    private final ExecutorService thread = Executors
            .newSingleThreadExecutor(DaemonThreads.named("fastworker-proposals"));
    private final Object lock = new Object();
    /** Commands not yet sent; a waiter rides on the last command of what it waits for. */
    private List<Item> pending = new ArrayList<>();
    /** Entries proposed and not yet committed (changed on this class's thread, under the lock). */
    private int inFlight;
    /** Whether a {@link #pump} is queued on the thread already. */
    private boolean pumping;
    /** Why an entry was not committed (this member no longer leads); null while every entry was. */
    private volatile Throwable failed;
    /** Completes once the entry sent last is committed (and so every entry before it); under the lock. */
    private CompletableFuture<Void> lastSent = CompletableFuture.completedFuture(null);
    /** Beats when an entry goes out or comes back committed. */
    private final Pulse progress = new Pulse("cluster proposals");

    private record Item(Command command, CompletableFuture<Void> waiter) {
    }

    Proposals(Replication replication, CommandWriter writer) {
        this.replication = replication;
        this.writer = writer;
    }

    /** Proposes {@code commands}; the future (null unless {@code wait}) completes once they are committed. */
    CompletableFuture<Void> add(List<? extends Command> commands, boolean wait) {
        CompletableFuture<Void> done = wait ? new CompletableFuture<>() : null;
        if (commands.isEmpty()) {
            return wait ? CompletableFuture.completedFuture(null) : null;
        }
        boolean schedule;
        synchronized (lock) {
            for (int i = 0; i < commands.size(); i++) {
                pending.add(new Item(commands.get(i), i == commands.size() - 1 ? done : null));
            }
            schedule = !pumping;
            pumping = true;
        }
        if (schedule) {
            progress.beat(); // from idle, time to progress counts from now
            thread.execute(this::pump);
        }
        return done;
    }

    /**
     * What is wrong at {@code now} (nanoTime): commands outstanding and none sent or committed for
     * {@code stallNanos}; null while idle or moving.
     */
    String problem(long now, long stallNanos) {
        synchronized (lock) {
            if (pending.isEmpty() && inFlight == 0) {
                progress.beat();
                return null;
            }
        }
        return progress.problem(now, stallNanos);
    }

    /**
     * Completes once every command handed in before it is committed (at once when none is outstanding), or
     * exceptionally once one of them will not be.
     */
    CompletableFuture<Void> barrier() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean schedule;
        synchronized (lock) {
            if (failed != null) {
                return CompletableFuture.failedFuture(failed);
            }
            if (pending.isEmpty()) {
                return lastSent.copy(); // done already when nothing is in flight
            }
            pending.add(new Item(null, done)); // rides on the last command pending
            schedule = !pumping;
            pumping = true;
        }
        if (schedule) {
            progress.beat(); // from idle, time to progress counts from now
            thread.execute(this::pump);
        }
        return done;
    }

    /**
     * Sends what is pending as entries while fewer than {@link #IN_FLIGHT} are being replicated (on this class's
     * thread: the log receives them in the order they were handed in).
     */
    private void pump() {
        synchronized (lock) {
            pumping = false;
        }
        while (inFlight < IN_FLIGHT) {
            List<Item> batch;
            CompletableFuture<Void> sent;
            synchronized (lock) {
                if (pending.isEmpty()) {
                    return;
                }
                batch = pending;
                pending = new ArrayList<>();
                inFlight++;
                lastSent = sent = new CompletableFuture<>();
            }
            send(batch, sent);
        }
    }

    /** Proposes what of {@code batch} fits one entry (the rest goes back in front); {@code done} follows its commit. */
    private void send(List<Item> batch, CompletableFuture<Void> done) {
        List<CompletableFuture<Void>> waiters = new ArrayList<>();
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        int taken = 0;
        CompletableFuture<Void> committed;
        try {
            while (taken < batch.size() && (taken == 0 || entry.size() < ENTRY_BYTES)) {
                Item item = batch.get(taken++);
                if (item.command() != null) {
                    append(entry, item.command());
                }
                if (item.waiter() != null) {
                    waiters.add(item.waiter());
                }
            }
            committed = replication.propose(entry.toByteArray());
            progress.beat();
        } catch (RuntimeException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        if (taken < batch.size()) {
            List<Item> rest = new ArrayList<>(batch.subList(taken, batch.size()));
            synchronized (lock) {
                rest.addAll(pending);
                pending = rest;
            }
        }
        long commands = batch.subList(0, taken).stream().filter(i -> i.command() != null).count();
        committed.whenComplete((ok, failure) -> thread.execute(() -> {
            synchronized (lock) {
                inFlight--;
            }
            progress.beat();
            if (failure != null) {
                failed = failure;
                LOG.warnf("Cluster: %d commands were not committed (%s)", commands, failure.toString());
            }
            waiters.add(done);
            for (CompletableFuture<Void> w : waiters) {
                if (failure == null) {
                    w.complete(null);
                } else {
                    w.completeExceptionally(failure);
                }
            }
            pump();
        }));
    }

    /** Appends one command to an entry: a 4-byte length, then its record. */
    private void append(ByteArrayOutputStream entry, Command c) {
        try {
            write(entry, c);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes one command as {@link #decode} reads it: a 4-byte length, then its record. */
    void write(OutputStream out, Command c) throws IOException {
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        writer.record(c).writeTo(one);
        new DataOutputStream(out).writeInt(one.size());
        one.writeTo(out);
    }

    /** Hands each command of an entry {@link #encode} wrote to {@code each}, in order. */
    static void decode(byte[] entry, CommandReader reader, Consumer<Command> each) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(entry))) {
            while (in.available() > 0) {
                byte[] record = new byte[in.readInt()];
                in.readFully(record);
                each.accept(reader.read(record));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("an entry of the replicated log cannot be read back: " + e.getMessage(),
                    e);
        }
    }

    void close() {
        thread.shutdown();
    }
}
