package io.fastworker.cluster;

import io.fastworker.execution.DaemonThreads;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.jboss.logging.Logger;

/**
 * Brings along a follower that a quiet cluster leaves behind. Ratis' leader can go on answering a follower that
 * restarted after it led with heartbeats only, each refused as inconsistent, until it has a new entry to send (seen
 * on Ratis 3.2.0 and 3.3.0; a busy cluster always has one). When a follower that answers stays at one entry, behind
 * the leader's commit, over three checks in a row while nothing new is written, the leader writes an empty entry,
 * which every member applies as nothing. Guarantees: none while entries are being written or for a member that does
 * not answer, and at most one every five checks.
 */
final class Laggards implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Laggards.class);
    /** An entry every member applies as nothing. */
    private static final byte[] EMPTY = new byte[0];

    private final RaftServer server;
    private final RaftServer.Division division;
    private final Function<byte[], CompletableFuture<Void>> propose;
    private final long answeredWithinMs;
    private final ScheduledExecutorService timer = Executors
            .newSingleThreadScheduledExecutor(DaemonThreads.named("fastworker-laggards"));
    private long lastIndex = -1;
    /** Checks in a row that found a follower behind on a quiet cluster. */
    private int strikes;
    /** Checks since the last empty entry. */
    private int sinceWritten = 5;
    /** Each member's commit index at the last check (as many as there are members). */
    private final Map<RaftPeerId, Long> seen = new HashMap<>();

    Laggards(RaftServer server, RaftServer.Division division, Function<byte[], CompletableFuture<Void>> propose,
            long answeredWithinMs, long checkEveryMs) {
        this.server = server;
        this.division = division;
        this.propose = propose;
        this.answeredWithinMs = answeredWithinMs;
        timer.scheduleWithFixedDelay(this::check, checkEveryMs, checkEveryMs, TimeUnit.MILLISECONDS);
    }

    private void check() {
        try {
            RoleInfoProto role = division.getInfo().getRoleInfoProto();
            TermIndex last = division.getRaftLog().getLastEntryTermIndex();
            long index = last == null ? -1 : last.getIndex();
            boolean quiet = index == lastIndex;
            lastIndex = index;
            sinceWritten++;
            // asked on every check, quiet or not: it also records where each member is for the next check
            String behind = role.hasLeaderInfo() ? behind(role) : null;
            strikes = quiet && behind != null ? strikes + 1 : 0;
            if (strikes < 2 || sinceWritten < 5) {
                return;
            }
            strikes = 0;
            sinceWritten = 0;
            LOG.infof("Cluster: %s on a quiet cluster; writing an empty entry to bring it along", behind);
            propose.apply(EMPTY);
        } catch (RuntimeException e) {
            LOG.debugf("Cluster: the check for members left behind failed: %s", e);
        }
    }

    /** Which answering follower stays behind the leader's commit (where it was at the last check), and where. */
    private String behind(RoleInfoProto role) {
        long committed = division.getRaftLog().getLastCommittedIndex();
        String behind = null;
        for (CommitInfoProto c : division.getCommitInfos()) {
            RaftPeerId id = RaftPeerId.valueOf(c.getServer().getId());
            Long before = seen.put(id, c.getCommitIndex());
            if (behind == null && !id.equals(server.getId()) && c.getCommitIndex() < committed - 1
                    && before != null && before == c.getCommitIndex() && answers(role, id)) {
                behind = "member " + id + " has stayed at entry " + c.getCommitIndex() + " of " + committed;
            }
        }
        return behind;
    }

    private boolean answers(RoleInfoProto role, RaftPeerId id) {
        for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
            if (RaftPeerId.valueOf(f.getId().getId()).equals(id)) {
                return f.getLastRpcElapsedTimeMs() <= answeredWithinMs;
            }
        }
        return false;
    }

    /** Whether an entry's data is the empty entry, which every member applies as nothing. */
    static boolean isEmpty(ByteString logData) {
        return logData.isEmpty();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
