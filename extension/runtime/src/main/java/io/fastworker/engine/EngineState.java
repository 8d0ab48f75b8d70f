package io.fastworker.engine;

import io.fastworker.limit.Limit;
import io.fastworker.queue.TaskState;
import io.fastworker.result.ResultCache;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Everything the control plane keeps: the unfinished tasks, the finished ones whose result is kept, dead letters,
 * idempotency claims, and the limits, schedules and groups made through the API. It changes only through
 * {@link #apply} (and, for a change made now, {@link #applyNow}): the live engine, the journal's replay and a
 * replica call it alike, so the same commands in the same order give the same state, which {@link #snapshot} writes
 * out as commands again. Expiry (result TTL, claim windows, dead-letter retention, ended groups) is read against
 * the clock and swept by {@link #sweep}. Thread-safe: a task's changes are applied under its record's lock.
 */
final class EngineState {

    /** How much it keeps of what finished, and for how long. */
    record Bounds(int results, long resultBytes, Duration resultTtl, int deadLetters, long deadLetterBytes,
            Duration deadLetterRetention, int claims, long claimBytes) {
    }

    /** Commands applied without a journal (a replay, or the memory store). */
    static final Consumer<Command> UNJOURNALED = c -> {};

    private final Map<String, TaskRecord> live = new ConcurrentHashMap<>();
    private final ResultCache<TaskView> results;
    private final DeadLetters deadLetters;
    private final Claims claims;
    private final Map<String, StoredGroup> groups = new ConcurrentHashMap<>();
    private final Map<String, StoredSchedule> schedules = new ConcurrentHashMap<>();
    private final Map<String, Limit> limits = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();
    private final Bounds bounds;

    EngineState(Bounds bounds, Clock clock) {
        this.bounds = bounds;
        this.results = new ResultCache<>(bounds.results(), bounds.resultBytes(), Footprint::of, bounds.resultTtl(),
                clock);
        this.deadLetters = new DeadLetters(bounds.deadLetters(), bounds.deadLetterBytes());
        this.claims = new Claims(bounds.claims(), bounds.claimBytes());
    }

    /** Applies a command that was recorded first (or needs no record); returns whether it changed anything. */
    boolean apply(Command c) {
        if (c instanceof TaskCommand t) {
            return applyNow(t, UNJOURNALED) != null;
        } else if (c instanceof Command.Accept a) {
            return accept(a) != null;
        } else if (c instanceof Command.DeleteDeadLetter d) {
            return deadLetters.remove(d.id()) != null;
        } else if (c instanceof Command.SetLimit l) {
            return setLimit(l);
        } else if (c instanceof Command.DefineSchedule d) {
            return defineSchedule(d);
        } else if (c instanceof Command.PauseSchedule p) {
            schedules.merge(p.id(), StoredSchedule.empty(p.id()).withPaused(p.paused()),
                    (old, x) -> old.withPaused(p.paused()));
            return true;
        } else if (c instanceof Command.ScheduleRan r) {
            return scheduleRan(r.id(), r.tick(), r.taskId());
        } else if (c instanceof Command.KeepGroup g) {
            groups.put(g.group().id(), g.group());
            return true;
        } else if (c instanceof Command.EndGroup e) {
            return groups.computeIfPresent(e.id(), (k, g) -> g.endedAt() == null ? g.ended(e.at()) : g) != null;
        } else if (c instanceof Command.ForgetGroup f) {
            return groups.remove(f.id()) != null;
        } else if (c instanceof Command.RestoreTask t) {
            return restore(t);
        } else if (c instanceof Command.RestoreDeadLetter d) {
            deadLetters.add(d.letter());
            return true;
        } else if (c instanceof Command.RestoreClaim k) {
            claims.keep(k.key(), k.claim());
            return true;
        }
        throw new IllegalArgumentException("unknown command " + c);
    }

    /**
     * Applies a change of one task made now, handing it to {@code journal} under the task's lock when it changed
     * anything; returns the task it changed (for a retry, the task queued again), or null when it changed nothing.
     * A task that ends leaves the unfinished tasks for the kept results (and, failed, the dead letters).
     */
    TaskRecord applyNow(TaskCommand c, Consumer<Command> journal) {
        if (c instanceof TaskCommand.Retry retry) {
            return retry(retry, journal);
        }
        TaskRecord r = live.get(c.id());
        if (r == null || !r.apply(c, journal)) {
            return null;
        }
        if (r.state().isTerminal()) {
            retire(r);
        }
        return r;
    }

    /** A task accepted: it joins the unfinished tasks and holds its claims; null if it was known already. */
    TaskRecord accept(Command.Accept a) {
        String id = a.spec().id();
        if (live.containsKey(id)) {
            return null;
        }
        long expires = a.claimsExpire().toEpochMilli();
        if (a.idempotencyKey() != null) {
            claims.keep(Claim.ofKey(a.idempotencyKey()), new Claim(id, a.spec().name(), a.fingerprint(), expires));
        }
        if (a.clientChosenId()) {
            claims.keep(Claim.ofId(id), new Claim(id, a.spec().name(), null, expires));
        }
        if (a.spec().schedule() != null) {
            // The acceptance of a schedule's task is its run: durable with the task, whatever follows.
            scheduleRan(a.spec().schedule().id(), a.spec().schedule().tick(), id);
        }
        TaskRecord r = TaskRecord.accepted(a, sequence.incrementAndGet());
        live.put(id, r);
        return r;
    }

    private TaskRecord retry(TaskCommand.Retry c, Consumer<Command> journal) {
        DeadLetter d = deadLetters.remove(c.id());
        if (d == null) {
            return null;
        }
        TaskRecord r = d.record(sequence.incrementAndGet());
        if (live.putIfAbsent(c.id(), r) != null || !r.apply(c, journal)) {
            live.remove(c.id(), r);
            deadLetters.add(d);
            return null;
        }
        results.remove(c.id());
        return r;
    }

    /** A finished task: its result kept (from when it finished), a failure kept as a dead letter too. */
    private void retire(TaskRecord r) {
        TaskView view = r.view();
        if (view.status() == TaskState.FAILURE) {
            deadLetters.add(new DeadLetter(r.spec, view, r.traceContext));
        }
        results.restore(r.id(), view, view.finishedAt().toEpochMilli());
        live.remove(r.id(), r);
    }

    private boolean restore(Command.RestoreTask t) {
        TaskView v = t.view();
        if (v.status().isTerminal()) {
            results.restore(v.id(), v, (v.finishedAt() == null ? v.submittedAt() : v.finishedAt()).toEpochMilli());
            return true;
        }
        live.put(v.id(), TaskRecord.restored(t.spec(), v.submittedAt(), t.trace(),
                TaskLife.of(v, t.attemptBase(), t.due()), sequence.incrementAndGet()));
        return true;
    }

    private boolean setLimit(Command.SetLimit l) {
        if (l.limit() == null) {
            return limits.remove(l.task()) != null;
        }
        limits.put(l.task(), l.limit());
        return true;
    }

    private boolean defineSchedule(Command.DefineSchedule d) {
        if (d.definition() == null) {
            return schedules.remove(d.id()) != null;
        }
        schedules.merge(d.id(), StoredSchedule.empty(d.id()).withDefinition(d.definition()),
                (old, x) -> old.withDefinition(d.definition()));
        return true;
    }

    private boolean scheduleRan(String id, Instant tick, String taskId) {
        StoredSchedule s = schedules.getOrDefault(id, StoredSchedule.empty(id));
        if (s.lastTick() != null && !tick.isAfter(s.lastTick())) {
            return false;
        }
        schedules.put(id, s.withRun(tick, taskId));
        return true;
    }

    /**
     * Forgets what has expired at {@code now}: results past their TTL, claims past their window, dead letters past
     * their retention, groups ended longer than the result TTL ago. Returns the groups forgotten.
     */
    List<StoredGroup> sweep(Instant now) {
        results.sweep();
        claims.sweep(now.toEpochMilli());
        deadLetters.sweep(now.minus(bounds.deadLetterRetention()));
        Instant groupsBefore = now.minus(bounds.resultTtl());
        List<StoredGroup> gone = new ArrayList<>();
        groups.values().removeIf(g -> {
            boolean old = g.endedAt() != null && g.endedAt().isBefore(groupsBefore);
            if (old) {
                gone.add(g);
            }
            return old;
        });
        return gone;
    }

    /**
     * Writes the whole state as the commands that restore it: the unfinished tasks in their order of acceptance,
     * the kept results, dead letters, claims, limits, schedules and groups.
     */
    void snapshot(Consumer<Command> sink, long nowMillis) {
        List<TaskRecord> unfinished = new ArrayList<>(live.values());
        unfinished.sort(Comparator.comparingLong(r -> r.seq));
        for (TaskRecord r : unfinished) {
            sink.accept(r.snapshot());
        }
        // Copied first, so that finishing tasks do not wait for the cache while the snapshot is written.
        List<TaskView> kept = new ArrayList<>(results.size());
        results.forEachLive(kept::add);
        kept.forEach(v -> sink.accept(new Command.RestoreTask(v, null, Map.of(), 0, null)));
        // What a sweep would drop is left out, swept or not: members sweep at their own times, and write the same.
        Instant now = Instant.ofEpochMilli(nowMillis);
        Instant lettersFrom = now.minus(bounds.deadLetterRetention());
        deadLetters.all().stream().filter(d -> d.view().finishedAt() == null || !d.view().finishedAt().isBefore(
                lettersFrom)).forEach(d -> sink.accept(new Command.RestoreDeadLetter(d)));
        Map<String, Claim> unexpired = new TreeMap<>();
        claims.forEachUnexpired(nowMillis, unexpired::put);
        unexpired.forEach((key, c) -> sink.accept(new Command.RestoreClaim(key, c)));
        new TreeMap<>(limits).forEach((task, l) -> sink.accept(new Command.SetLimit(task, l)));
        for (StoredSchedule s : new TreeMap<>(schedules).values()) {
            if (s.definition() != null) {
                sink.accept(new Command.DefineSchedule(s.id(), s.definition()));
            }
            if (s.paused()) {
                sink.accept(new Command.PauseSchedule(s.id(), true));
            }
            if (s.lastTick() != null) {
                sink.accept(new Command.ScheduleRan(s.id(), s.lastTick(), s.lastTaskId()));
            }
        }
        Instant groupsFrom = now.minus(bounds.resultTtl());
        new TreeMap<>(groups).values().stream().filter(g -> g.endedAt() == null || !g.endedAt().isBefore(groupsFrom))
                .forEach(g -> sink.accept(new Command.KeepGroup(g)));
    }

    // --- reads ------------------------------------------------------------------------------------------------

    /** An unfinished task; null if none has this id. */
    TaskRecord task(String id) {
        return live.get(id);
    }

    /** The unfinished tasks, in no particular order. */
    Collection<TaskRecord> unfinished() {
        return live.values();
    }

    /** The unfinished tasks in their order of acceptance. */
    List<TaskRecord> unfinishedInOrder() {
        List<TaskRecord> out = new ArrayList<>(live.values());
        out.sort(Comparator.comparingLong(r -> r.seq));
        return out;
    }

    ResultCache<TaskView> results() {
        return results;
    }

    DeadLetters deadLetters() {
        return deadLetters;
    }

    Claims claims() {
        return claims;
    }

    Map<String, StoredGroup> groups() {
        return java.util.Collections.unmodifiableMap(groups);
    }

    Map<String, StoredSchedule> schedules() {
        return java.util.Collections.unmodifiableMap(schedules);
    }

    /** Limits set through the API. */
    Map<String, Limit> limits() {
        return java.util.Collections.unmodifiableMap(limits);
    }
}
