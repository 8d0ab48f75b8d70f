package io.fastworker.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.replica.Membership;
import io.fastworker.replica.Replica;
import io.fastworker.store.Journal;
import io.fastworker.store.JournalRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where commands are recorded before (or, for a change nobody waits for, as) they are applied: the journal of the
 * disk store, a cluster's replicated log (committed by a majority), or nowhere with the memory store. Guarantees: the future of {@link #record} completes once the
 * commands are durable (see {@link Journal}), or exceptionally with nothing applied; {@link #unwaited} records a
 * task's changes in the order they were applied.
 */
@ApplicationScoped
class CommandLog {

    @Inject
    FastWorkerConfig.Store store;

    @Inject
    ObjectMapper mapper;

    @Inject
    Membership membership;

    /** The disk store's journal; null with {@code fastworker.store.mode=memory} or before {@link #open}. */
    private volatile Journal journal;
    private CommandWriter writer;
    private CommandReader reader;
    private final Consumer<Command> unwaited = c -> journal.appendUnwaited(writer.record(c));
    /** A cluster's log, when this control plane is a member of one; null otherwise. */
    private volatile Proposals proposals;
    private final Consumer<Command> proposed = c -> proposals.add(List.of(c), false);

    /**
     * Opens the disk store's journal, hands every command it holds to {@code each} in order, then opens it for
     * appending.
     *
     * @throws IOException the store cannot be opened, or holds a record that cannot be read back
     */
    Journal.Recovery open(Consumer<Command> each) throws IOException {
        reader = new CommandReader(mapper);
        Journal j = Journal.open(Path.of(store.path()), store.sync() == FastWorkerConfig.SyncMode.ALWAYS,
                store.syncInterval());
        Journal.Recovery read;
        try {
            read = j.replay(bytes -> {
                try {
                    each.accept(reader.read(bytes));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, store.setAsideCorrupt());
        } catch (UncheckedIOException e) {
            throw new IOException("the task store in " + j.directory().toAbsolutePath() + " holds a record that "
                    + "cannot be read back: " + e.getCause().getMessage() + " (fastworker.store.set-aside-corrupt="
                    + "true starts anyway, setting the file aside)", e.getCause());
        }
        writer = new CommandWriter(mapper.getFactory());
        j.startAppending();
        journal = j;
        return read;
    }

    /**
     * Joins the cluster (instead of opening a journal): {@code replica} gets the committed entries, which
     * {@link #decode} reads back.
     *
     * @throws IOException the cluster's log cannot be opened
     */
    void join(Replica replica) throws IOException {
        reader = new CommandReader(mapper);
        writer = new CommandWriter(mapper.getFactory());
        proposals = new Proposals(membership.replication(), writer);
        membership.replication().start(replica);
    }

    /** Hands each command of a committed entry to {@code each}, in order. */
    void decode(byte[] entry, Consumer<Command> each) {
        Proposals.decode(entry, reader, each);
    }

    /** How commands are framed in the cluster's log (and its snapshots). */
    Proposals framing() {
        return proposals;
    }

    /** Whether this control plane is a member of a cluster, its state in the cluster's log. */
    boolean clustered() {
        return membership.clustered();
    }

    /** The journal, for its directory, size and health; null with the memory store. */
    Journal journal() {
        return journal;
    }

    /** Whether recorded commands outlive the process (the disk store). */
    boolean durable() {
        return journal != null || proposals != null;
    }

    /** Records commands that stand or fall together; completes once they are durable (at once in memory). */
    CompletableFuture<Void> record(List<? extends Command> commands) {
        Proposals p = proposals;
        if (p != null) {
            return p.add(commands, true);
        }
        Journal j = journal;
        if (j == null || commands.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<JournalRecord> records = new ArrayList<>(commands.size());
        commands.forEach(c -> records.add(writer.record(c)));
        return j.appendAll(records);
    }

    /** Completes once every command handed in so far is committed by the cluster (at once without one). */
    CompletableFuture<Void> barrier() {
        Proposals p = proposals;
        return p == null ? CompletableFuture.completedFuture(null) : p.barrier();
    }

    /** Records one command; completes once it is durable (at once in memory). */
    CompletableFuture<Void> record(Command c) {
        return record(List.of(c));
    }

    /** Where {@link EngineState#applyNow} hands a change nobody waits for (nowhere in memory). */
    Consumer<Command> unwaited() {
        return proposals != null ? proposed : journal == null ? EngineState.UNJOURNALED : unwaited;
    }

    /** Rewrites the journal as {@code snapshot}'s commands (see {@link Journal#compact}). */
    void compact(Consumer<Consumer<Command>> snapshot) throws IOException {
        journal.compact(records -> snapshot.accept(c -> records.accept(writer.record(c))));
    }

    /**
     * What is wrong with this member's part of a cluster at {@code now} (nanoTime): its Raft server failed, or
     * commands wait and nothing has been committed for {@code stallNanos}; null while it works, or without a cluster.
     */
    String clusterProblem(long now, long stallNanos) {
        Proposals p = proposals;
        if (p == null) {
            return null;
        }
        String raft = membership.replication().problem();
        return raft != null ? raft : p.problem(now, stallNanos);
    }

    /** Why the store refuses records, or null while it works (or with the memory store). */
    String failure() {
        Journal j = journal;
        return j == null || j.failure() == null ? null : j.failure().toString();
    }

    /** Writes what is pending and closes the journal. */
    void close() {
        Proposals p = proposals;
        if (p != null) {
            p.close();
            membership.replication().close();
        }
        Journal j = journal;
        if (j != null) {
            j.close();
        }
    }
}
