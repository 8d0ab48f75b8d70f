package io.fastworker.api;

import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskPage;
import io.fastworker.engine.TaskView;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A task's end is shown only once it is committed: in a cluster, once a majority of the members holds it, so that a
 * result once read never changes, even when the leader that answered dies right after. Without a cluster an end is
 * shown at once (it is on disk, or in memory with the memory store, as soon as it is applied).
 */
@ApplicationScoped
class CommittedViews {

    /** Longest a read waits for a task's end to be committed before it answers 503. */
    static final Duration LONGEST = Duration.ofSeconds(5);

    @Inject
    TaskEngine engine;

    /**
     * {@code v} as it is, or, when it has ended, once its end is committed; 503 when that takes too long or will not
     * happen (this member lost its term first).
     */
    Uni<TaskView> of(TaskView v) {
        return v.status().isTerminal() ? once(v, () -> "task " + v.id() + " has ended on this leader") : now(v);
    }

    /** {@code page} as it was read, once every end it shows is committed; 503 as for {@link #of}. */
    Uni<TaskPage> of(TaskPage page) {
        long ended = page.items().stream().filter(v -> v.status().isTerminal()).count();
        return ended == 0 ? now(page) : once(page, () -> "this page shows " + ended + " task(s) that ended on this "
                + "leader");
    }

    /**
     * Completes once every change applied here so far is committed (at once without a cluster); never when this
     * member loses its term first.
     */
    CompletableFuture<Void> barrier() {
        return engine.recorded();
    }

    private static <T> Uni<T> now(T value) {
        return Uni.createFrom().item(value);
    }

    private <T> Uni<T> once(T value, Supplier<String> what) {
        return Eventually.of(barrier()).ifNoItem().after(LONGEST)
                .failWith(() -> notCommitted(what.get() + ", but a majority of the cluster has not confirmed it "
                        + "within " + LONGEST.toSeconds() + " s"))
                .onFailure(e -> !(e instanceof ProblemException))
                .transform(e -> notCommitted(what.get() + ", but this member stopped leading before it was "
                        + "committed (" + e + "); the next leader runs it again"))
                .map(committed -> value);
    }

    private static ProblemException notCommitted(String detail) {
        return new ProblemException(503, "not-committed", "End not committed", detail + "; retry in a second",
                Map.of());
    }
}
