package io.fastworker.replica;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/** What a {@link Replication} drives: the control plane's state on one member. */
public interface Replica {

    /** Applies a committed entry (on a follower, or while catching up). */
    void apply(byte[] entry);

    /** This member now leads in {@code term}, with every entry committed before applied: it takes up the work. */
    void lead(long term);

    /**
     * What this member holds must be dropped ({@code why}): it no longer leads, and what it applied may never have
     * been committed; or a snapshot replaces its state. The process ends, to start again from the log.
     */
    void restart(String why);

    /**
     * Writes the state as it is after the entries applied so far (a leader, which applies its own entries when their
     * commit comes back, first waits until it holds all of them, else fails), and perhaps some applied while it was
     * written (applying an entry to a state that already holds it changes nothing). A leader's state may hold what it has
     * not committed yet: the future completes once everything the snapshot may hold is committed (at once on a
     * follower), and exceptionally if some of it will not be, in which case the snapshot must be thrown away.
     */
    CompletableFuture<Void> writeSnapshot(OutputStream out) throws IOException;

    /** Replaces the state with one {@link #writeSnapshot} wrote (a member that was far behind). */
    void readSnapshot(InputStream in) throws IOException;
}
