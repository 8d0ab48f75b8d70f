package io.fastworker.engine;

import io.fastworker.replica.Membership;
import io.fastworker.replica.Replica;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * The engine's state as one member of a cluster holds it. A follower applies the committed commands through the same
 * {@link Recovery#replay} as a restart's replay; a member elected leader takes up the work as a restarted control
 * plane does ({@link Recovery#takeUp}), then starts serving. A leader that loses its term ends its process: what it
 * applied in that term may never have been committed, and it starts again as a follower from the log (or from a
 * snapshot that holds only what was committed).
 */
@ApplicationScoped
class Replicated implements Replica {

    private static final Logger LOG = Logger.getLogger(Replicated.class);

    /** The exit code of a member that must start again: it lost its term while leading, or took a snapshot. */
    static final int RESTART = 3;

    @Inject
    CommandLog log;

    @Inject
    Recovery recovery;

    @Inject
    EngineState state;

    @Inject
    Membership membership;

    @Inject
    Clock clock;

    /** Joins the cluster as a follower. */
    void join() throws IOException {
        log.join(this);
        LOG.infof("Control plane %s joined its cluster as a follower", membership.replication().memberId());
    }

    @Override
    public void apply(byte[] entry) {
        log.decode(entry, recovery::replay);
    }

    @Override
    public void lead(long term) {
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            try {
                Map<io.fastworker.queue.TaskState, Integer> counts = recovery.takeUp();
                membership.lead();
                LOG.infof("Control plane %s leads in term %d: took up %s unfinished tasks (%s) and %d results in %d "
                        + "ms", membership.replication().memberId(), term,
                        counts.values().stream().mapToInt(Integer::intValue).sum(), Recovery.describe(counts),
                        state.results().size(), (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException e) {
                restart("taking up the state as leader failed: " + e);
            }
        }, "fastworker-takeover");
        t.start();
    }

    @Override
    public void restart(String why) {
        LOG.errorf("Control plane %s: %s; it exits with code %d and starts again from the cluster's log when its "
                + "supervisor restarts it (nothing it applied without a commit survives)",
                membership.replication().memberId(), why, RESTART);
        Runtime.getRuntime().halt(RESTART);
    }

    /** Longest a snapshot waits for this member's own commands to be committed and applied before it is written. */
    static final Duration CATCH_UP = Duration.ofSeconds(60);

    @Override
    public CompletableFuture<Void> writeSnapshot(OutputStream out) throws IOException {
        // A leader applies what it recorded once its commit comes back, a moment after the log counts the entry as
        // applied: the state is written once it holds every entry the snapshot is labelled with.
        try {
            log.framing().barrier().get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the state caught up with the log", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the state did not catch up with the log within " + CATCH_UP + ": " + e, e);
        }
        write(out);
        return log.framing().barrier();
    }

    /** Writes the state as it is now, as the commands that rebuild it. */
    void write(OutputStream out) throws IOException {
        Proposals framing = log.framing();
        try {
            state.snapshot(c -> {
                try {
                    framing.write(out, c);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, clock.millis());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        out.flush();
    }

    @Override
    public void readSnapshot(InputStream in) throws IOException {
        log.decode(in.readAllBytes(), recovery::replay);
    }
}
