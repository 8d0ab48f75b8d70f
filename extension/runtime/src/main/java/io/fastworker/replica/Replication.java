package io.fastworker.replica;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A replicated log the control plane's state rests on instead of its own journal, provided by an extension such as
 * {@code quarkus-fastworker-cluster}. Entries are opaque bytes to it. Guarantees asked of an implementation: every
 * member hands the committed entries to its {@link Replica} in the same order, each once per start (entries this
 * member proposed while leading are not handed back: it applied them when it proposed them); a proposal completes
 * only once a majority holds it, and never for a member that lost its term before that.
 */
public interface Replication {

    /** Whether this application is configured as a member of a cluster; when false the engine keeps its journal. */
    boolean configured();

    /** This member's id. */
    String memberId();

    /**
     * Joins the cluster as a follower: committed entries go to {@code replica}, which is told when this member
     * leads (with every entry committed before its term applied) and when it stops leading.
     *
     * @throws IOException the log's storage cannot be opened
     */
    void start(Replica replica) throws IOException;

    /** Proposes one entry; completes once a majority committed it, exceptionally when it will not be. */
    CompletableFuture<Void> propose(byte[] entry);

    /** The member leading as this one knows it, or empty while none is known. */
    Optional<Leader> leader();

    /** The index of the last entry of the log applied on this member (-1 before the first). */
    long appliedIndex();

    /** The term this member is in. */
    long term();

    /** Why this member's part of the log no longer works (its Raft server closed or failed), or null while it does. */
    String problem();

    /** Leaves the cluster and closes the log. */
    void close();

    /** A member that leads: its id, the URL its HTTP API answers at, and its term. */
    record Leader(String id, String url, long term) {
    }
}
