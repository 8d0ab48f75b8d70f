package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Limits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * What the task store keeps besides tasks: limits, schedules and groups made through the API. A change completes
 * once it is recorded (on disk with the disk store) and applied, so that it outlives a restart.
 */
@ApplicationScoped
public class Definitions {

    @Inject
    EngineState state;

    @Inject
    CommandLog log;

    @Inject
    Holdings held;

    @Inject
    Limits limits;

    /**
     * Sets ({@code limit} non-null) or removes the limit of {@code task} set through the API. The dispatcher is
     * woken by the caller.
     */
    public CompletableFuture<Void> limit(String task, Limit limit) {
        return recorded(new Command.SetLimit(task, limit), () -> limits.set(task, Limits.Source.API, limit));
    }

    /**
     * Keeps a group before its members are submitted.
     *
     * @throws QueueFullException when its {@code then} does not fit what the control plane may hold
     */
    public CompletableFuture<Void> keepGroup(StoredGroup group) {
        long bytes = Footprint.of(group.then());
        held.reserveBytes(bytes);
        return unreservedOnFailure(recorded(new Command.KeepGroup(group), () -> {}), bytes);
    }

    /** Forgets a group whose members were not accepted. */
    public CompletableFuture<Void> forgetGroup(String id) {
        StoredGroup g = state.groups().get(id);
        return recorded(new Command.ForgetGroup(id), () -> {
            if (g != null) {
                held.release(0, Footprint.of(g.then()));
            }
        });
    }

    /** Every member of a group has ended (nobody waits for this record). */
    public void groupEnded(String id, Instant at) {
        Command.EndGroup c = new Command.EndGroup(id, at);
        if (state.apply(c)) {
            log.unwaited().accept(c);
        }
    }

    /**
     * Keeps ({@code definition} non-null) or forgets the definition of a schedule made through the API; forgetting
     * it forgets its state too.
     */
    public CompletableFuture<Void> keepSchedule(String id, JsonNode definition) {
        long bytes = Footprint.of(definition);
        held.reserveBytes(bytes);
        Command.DefineSchedule c = new Command.DefineSchedule(id, definition);
        return unreservedOnFailure(log.record(c).thenRun(() -> {
            StoredSchedule old = state.schedules().get(id);
            state.apply(c);
            held.release(0, old == null ? 0 : Footprint.of(old.definition()));
        }), bytes);
    }

    /** Keeps whether a schedule is paused. */
    public CompletableFuture<Void> keepSchedulePaused(String id, boolean paused) {
        return recorded(new Command.PauseSchedule(id, paused), () -> {});
    }

    /**
     * Records {@code c}, then applies it and runs {@code then}; a caller that gives up cancels only its copy of the
     * future, never the apply.
     */
    private CompletableFuture<Void> recorded(Command c, Runnable then) {
        return log.record(c).thenRun(() -> {
            state.apply(c);
            then.run();
        }).copy();
    }

    private CompletableFuture<Void> unreservedOnFailure(CompletableFuture<Void> recorded, long bytes) {
        return recorded.whenComplete((ok, failure) -> {
            if (failure != null) {
                held.release(0, bytes);
            }
        }).copy();
    }
}
