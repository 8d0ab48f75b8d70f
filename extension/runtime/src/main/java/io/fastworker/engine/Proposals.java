package io.fastworker.engine;

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
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fastworker-proposals");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    /** Commands not yet sent; a waiter rides on the last command of what it waits for. */
    private List<Item> pending = new ArrayList<>();
    /** Entries proposed and not yet committed (on this class's thread only). */
    private int inFlight;
    /** Whether a {@link #pump} is queued on the thread already. */
    private boolean pumping;

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
            synchronized (lock) {
                if (pending.isEmpty()) {
                    return;
                }
                batch = pending;
                pending = new ArrayList<>();
            }
            send(batch);
        }
    }

    private void send(List<Item> batch) {
        List<CompletableFuture<Void>> waiters = new ArrayList<>();
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        int taken = 0;
        CompletableFuture<Void> committed;
        try {
            while (taken < batch.size() && (taken == 0 || entry.size() < ENTRY_BYTES)) {
                Item item = batch.get(taken++);
                append(entry, item.command());
                if (item.waiter() != null) {
                    waiters.add(item.waiter());
                }
            }
            committed = replication.propose(entry.toByteArray());
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
        inFlight++;
        int sent = taken;
        committed.whenComplete((ok, failure) -> thread.execute(() -> {
            inFlight--;
            if (failure != null) {
                LOG.warnf("Cluster: %d commands were not committed (%s)", sent, failure.toString());
            }
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
