package io.fastworker.cluster;

import io.fastworker.execution.DaemonThreads;
import io.fastworker.replica.Replica;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.jboss.logging.Logger;

/**
 * Ratis' view of the control plane's state: committed entries go to the {@link Replica} in log order, except those
 * of the term this member leads in (it applied them as it proposed them); snapshots are the replica's own.
 */
final class ReplicaStateMachine extends BaseStateMachine {

    private static final Logger LOG = Logger.getLogger(ReplicaStateMachine.class);

    private final Replica replica;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final LongSupplier currentTerm;
    private final Consumer<RaftPeerId> leaderChanged;
    /** The term in which this member applies its own entries as it proposes them; -1 while it follows. */
    private volatile long leadingTerm = -1;
    /** Whether anything was applied or read into the replica since the process started. */
    private volatile boolean holdsState;
    /** Where a leader writes its snapshots, while entries go on being applied. */
    private final ExecutorService snapshots = Executors
            .newSingleThreadExecutor(DaemonThreads.named("fastworker-snapshot"));
    /** The latest snapshot written or installed here; null before the first. */
    private volatile SingleFileSnapshotInfo latest;
    /** Whether a leader's snapshot is being written, or waits for what it holds to be committed. */
    private final AtomicBoolean leaderSnapshotting = new AtomicBoolean();
    /** A leader's snapshot that is complete and not yet reported to Ratis by {@link #takeSnapshot}; else null. */
    private final AtomicReference<TermIndex> leaderSnapshot = new AtomicReference<>();

    ReplicaStateMachine(Replica replica, LongSupplier currentTerm, Consumer<RaftPeerId> leaderChanged) {
        this.replica = replica;
        this.currentTerm = currentTerm;
        this.leaderChanged = leaderChanged;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        getLifeCycle().startAndTransition(() -> {
            super.initialize(server, groupId, raftStorage);
            storage.init(raftStorage);
            load(latest = storage.loadLatestSnapshot());
        });
    }

    /** Before a snapshot from the leader is installed: nothing is applied until {@link #reinitialize}. */
    @Override
    public void pause() {
        if (getLifeCycle().getCurrentState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /** A snapshot was installed from the leader: the state it replaces is dropped with the process. */
    @Override
    public void reinitialize() throws IOException {
        if (holdsState) {
            replica.restart("the leader sent a snapshot to replace its state, which was too far behind");
        }
        getLifeCycle().transition(LifeCycle.State.STARTING);
        load(latest = storage.loadLatestSnapshot());
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        File file = snapshot.getFile().getPath().toFile();
        holdsState = true;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file.toPath()))) {
            replica.readSnapshot(in);
        }
        updateLastAppliedTermIndex(snapshot.getTermIndex());
        LOG.infof("Cluster: state read from the snapshot at %s", snapshot.getTermIndex());
    }

    /**
     * The latest snapshot this member holds, or null. Kept here, not looked up: Ratis asks on every append to a
     * follower, and the storage lists its directory for every ask while there is no snapshot yet.
     */
    @Override
    public SingleFileSnapshotInfo getLatestSnapshot() {
        return latest;
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /**
     * Writes the state as of the last applied entry, so that the log before it can be trimmed. A follower writes it
     * at once. A leader's state may hold what it applied as it proposed and is not committed yet, so it writes on its
     * own thread while entries go on, and the snapshot is kept only once all it may hold is committed; it is reported
     * at the next call.
     */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        if (leadingTerm < 0) {
            File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
            File partial = partial(file);
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial.toPath()))) {
                replica.writeSnapshot(out);
            }
            keep(partial, file, last);
            return last.getIndex();
        }
        TermIndex written = leaderSnapshot.getAndSet(null);
        if (written != null) {
            return written.getIndex();
        }
        if (leaderSnapshotting.compareAndSet(false, true)) {
            snapshots.execute(() -> writeWhileLeading(last));
        }
        return -1;
    }

    /** A leader's snapshot, labelled {@code at}: every entry up to it is applied, and perhaps some after it. */
    private void writeWhileLeading(TermIndex at) {
        File file = storage.getSnapshotFile(at.getTerm(), at.getIndex());
        File partial = partial(file);
        CompletableFuture<Void> committed;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial.toPath()))) {
            committed = replica.writeSnapshot(out);
        } catch (IOException | RuntimeException e) {
            committed = CompletableFuture.failedFuture(e);
        }
        committed.whenCompleteAsync((ok, failure) -> {
            try {
                if (failure != null) {
                    Files.deleteIfExists(partial.toPath());
                    LOG.warnf("Cluster: the snapshot at %s was not kept: %s", at, failure.toString());
                } else {
                    keep(partial, file, at);
                    leaderSnapshot.set(at);
                }
            } catch (IOException e) {
                LOG.warnf("Cluster: the snapshot at %s was not kept: %s", at, e.toString());
            } finally {
                leaderSnapshotting.set(false);
            }
        }, snapshots);
    }

    private static File partial(File file) {
        return new File(file.getParentFile(), file.getName() + ".partial");
    }

    /**
     * Makes a written snapshot the latest. Its checksum is saved before it takes its name: Ratis skips a snapshot
     * without one, so a crash in between leaves the one before it as the latest.
     */
    private void keep(File partial, File file, TermIndex at) throws IOException {
        MD5Hash md5 = MD5FileUtil.computeMd5ForFile(partial);
        MD5FileUtil.saveMD5File(file, md5);
        Files.move(partial.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
        latest = storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(file.toPath(), md5), at));
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        if (entry.getTerm() != leadingTerm && !Laggards.isEmpty(entry.getStateMachineLogEntry().getLogData())) {
            holdsState = true;
            replica.apply(entry.getStateMachineLogEntry().getLogData().toByteArray());
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public void notifyLeaderReady() {
        leadingTerm = currentTerm.getAsLong();
        replica.lead(leadingTerm);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        leaderChanged.accept(newLeader);
        if (leadingTerm >= 0 && !member.getPeerId().equals(newLeader)) {
            replica.restart(
                    "it no longer leads: " + (newLeader == null ? "no member" : "member " + newLeader) + " leads now");
        }
    }

    @Override
    public void notifyNotLeader(java.util.Collection<TransactionContext> pending) {
        if (leadingTerm >= 0) {
            replica.restart("it stepped down as leader with " + pending.size() + " entries not committed");
        }
    }
}
