package io.fastworker.api;

import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskView;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;

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
        if (!v.status().isTerminal()) {
            return Uni.createFrom().item(v);
        }
        return Eventually.of(engine.recorded()).ifNoItem().after(LONGEST)
                .failWith(() -> notCommitted(v, "a majority of the cluster has not confirmed its end within "
                        + LONGEST.toSeconds() + " s"))
                .onFailure(e -> !(e instanceof ProblemException))
                .transform(e -> notCommitted(v, "this member stopped leading before its end was committed (" + e
                        + "); the next leader runs it again"))
                .map(committed -> v);
    }

    private static ProblemException notCommitted(TaskView v, String why) {
        return new ProblemException(503, "not-committed", "End not committed", "task " + v.id() + " has ended on "
                + "this leader, but " + why + "; retry in a second", Map.of());
    }
}
