package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.limit.Limit;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A change of the engine's state with every decision in it already made (ids, times, due times, the executor
 * chosen), so that applying it is deterministic: the same commands in the same order give the same state, byte for
 * byte in a snapshot. The journal stores commands and snapshots store state (as {@code Restore…} commands);
 * {@link EngineState#apply} is the one place either takes effect, live, on replay and on a replica.
 */
sealed interface Command permits TaskCommand, Command.Accept, Command.DeleteDeadLetter, Command.SetLimit,
        Command.DefineSchedule, Command.PauseSchedule, Command.ScheduleRan, Command.KeepGroup, Command.EndGroup,
        Command.ForgetGroup,
        Command.RestoreTask, Command.RestoreDeadLetter, Command.RestoreClaim {

    /**
     * A task accepted at {@code at}: queued, or scheduled when its countdown or ETA lies ahead. It claims its
     * idempotency key (with the request's {@code fingerprint}) and, when the client chose it, its id, until
     * {@code claimsExpire}.
     */
    record Accept(TaskSpec spec, Instant at, Map<String, String> trace, String idempotencyKey, String fingerprint,
            boolean clientChosenId, Instant claimsExpire) implements Command {
        public Accept {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(claimsExpire, "claimsExpire");
            trace = Map.copyOf(trace);
            if ((idempotencyKey == null) != (fingerprint == null)) {
                throw new IllegalArgumentException("an idempotency key comes with its request's fingerprint");
            }
        }

        /** The acceptance of one submission, its claims held for {@code window} from {@code at}. */
        static Accept of(Submission s, Instant at, Map<String, String> trace, java.time.Duration window) {
            return new Accept(s.spec(), at, trace, s.idempotencyKey(), s.fingerprint(), s.clientChosenId(),
                    at.plus(window));
        }
    }

    /** A dead letter forgotten (its result, while kept, stays readable). */
    record DeleteDeadLetter(String id, Instant at) implements Command {
        public DeleteDeadLetter {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(at, "at");
        }
    }

    /** The limit of {@code task} set through the API; a null {@code limit} removes it. */
    record SetLimit(String task, Limit limit) implements Command {
        public SetLimit {
            Objects.requireNonNull(task, "task");
        }
    }

    /** A schedule made or replaced through the API; a null {@code definition} deletes it, with its state. */
    record DefineSchedule(String id, JsonNode definition) implements Command {
        public DefineSchedule {
            Objects.requireNonNull(id, "id");
        }
    }

    /** A schedule paused or resumed. */
    record PauseSchedule(String id, boolean paused) implements Command {
        public PauseSchedule {
            Objects.requireNonNull(id, "id");
        }
    }

    /** A schedule's run for {@code tick} submitted task {@code taskId}. */
    record ScheduleRan(String id, Instant tick, String taskId) implements Command {
        public ScheduleRan {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(tick, "tick");
            Objects.requireNonNull(taskId, "taskId");
        }
    }

    /** A group made, before its members are accepted (or, in a snapshot, as it is kept). */
    record KeepGroup(StoredGroup group) implements Command {
        public KeepGroup {
            Objects.requireNonNull(group, "group");
        }
    }

    /** Every member of a group has ended. */
    record EndGroup(String id, Instant at) implements Command {
        public EndGroup {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(at, "at");
        }
    }

    /** A group forgotten before its members were accepted (their submission was refused). */
    record ForgetGroup(String id) implements Command {
        public ForgetGroup {
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * A task as a snapshot holds it: an unfinished one with what it was asked to do ({@code spec}, its trace, the
     * attempts made before its latest retry by request and when it is due), or a finished one whose result is kept
     * ({@code spec} null: its arguments are not kept).
     */
    record RestoreTask(TaskView view, TaskSpec spec, Map<String, String> trace, int attemptBase, Instant due)
            implements
                Command {
        public RestoreTask {
            Objects.requireNonNull(view, "view");
            trace = Map.copyOf(trace);
            if (spec == null && !view.status().isTerminal()) {
                throw new IllegalArgumentException("an unfinished task is restored with its spec");
            }
            if (attemptBase < 0) {
                throw new IllegalArgumentException("attemptBase must not be negative, got " + attemptBase);
            }
        }
    }

    /** A dead letter as a snapshot holds it. */
    record RestoreDeadLetter(DeadLetter letter) implements Command {
        public RestoreDeadLetter {
            Objects.requireNonNull(letter, "letter");
        }
    }

    /** An idempotency key or client-chosen id still within its window, as a snapshot holds it. */
    record RestoreClaim(String key, Claim claim) implements Command {
        public RestoreClaim {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(claim, "claim");
        }
    }
}
