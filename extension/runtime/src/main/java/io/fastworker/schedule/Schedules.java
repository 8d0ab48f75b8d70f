package io.fastworker.schedule;

import io.fastworker.engine.Admission;
import io.fastworker.engine.Definitions;
import io.fastworker.engine.DuplicateTaskIdException;
import io.fastworker.engine.StoredSchedule;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskQueries;
import io.fastworker.engine.TaskView;
import io.fastworker.execution.DaemonThreads;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The control plane's periodic schedules: from {@code @Task(cron = ...)}, from {@code fastworker.schedules.*} and
 * made through the API; each submits its task on its ticks.
 *
 * <p>Guarantees: a tick submits at most one task, whose id is {@code <schedule>:<tick>} and which carries the
 * schedule and tick; a tick is never submitted twice, across restarts included (its accepted task records the tick,
 * and a restart takes the last run from it). Ticks that
 * pass while the control plane is down or the schedule is paused are skipped, except that {@code catch-up-once}
 * submits once at start-up for the latest tick missed since its last run. A tick that comes while the last run is
 * unfinished is skipped with {@code skip-if-running}. A tick whose submission is refused (a full queue) is lost,
 * with a WARN. Schedules made through the API, pauses and last runs are kept in the task store.
 */
@ApplicationScoped
public class Schedules {

    private static final Logger LOG = Logger.getLogger(Schedules.class);
    /** How late a tick may still be submitted (a busy or suspended process); later ones are skipped. */
    private static final Duration LATE = Duration.ofSeconds(1);

    @Inject
    Admission admission;
    @Inject
    Definitions definitions;
    @Inject
    TaskQueries queries;

    @Inject
    FixedSchedules fixedSchedules;

    @Inject
    Submitter submitter;

    @Inject
    Clock clock;

    /** A schedule, its state and its armed timer. Guarded by itself. */
    private static final class Entry {
        Schedule schedule;
        boolean paused;
        Instant lastTick;
        String lastTaskId;
        Instant nextAt;
        ScheduledFuture<?> timer;

        Entry(Schedule schedule) {
            this.schedule = schedule;
        }
    }

    /** A schedule as the API shows it. */
    public record View(Schedule schedule, boolean paused, Instant nextFireAt, Instant lastTick, String lastTaskId,
            String lastStatus) {
    }

    /** A refused change: {@code conflict} when the schedule exists or is not the API's to change. */
    /** Most schedules kept, from every source together. */
    public static final int MAX_SCHEDULES = 10_000;

    public static final class Refused extends RuntimeException {
        private final boolean conflict;

        Refused(boolean conflict, String message) {
            super(message, null, false, false);
            this.conflict = conflict;
        }

        public boolean conflict() {
            return conflict;
        }
    }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private ScheduledThreadPoolExecutor timer;

    /** Loads the schedules, catches up where asked, and arms their timers; submissions must be accepted by now. */
    public void start() {
        List<Schedule> fixed = fixedSchedules.all();
        Map<String, StoredSchedule> stored = queries.storedSchedules();
        Instant now = clock.instant();
        for (Schedule s : fixed) {
            if (entries.putIfAbsent(s.id(), new Entry(s)) != null) {
                throw new IllegalStateException("schedule id '" + s.id() + "' is defined twice (by @Task and in "
                        + "fastworker.schedules, or twice there)");
            }
            check(s, now, "schedule '" + s.id() + "'");
        }
        for (StoredSchedule st : stored.values()) {
            if (st.definition() != null && !entries.containsKey(st.id())) {
                try {
                    Schedule s = Schedule.parse(st.definition(), Schedule.Source.API);
                    entries.put(s.id(), new Entry(s));
                } catch (IllegalArgumentException e) {
                    LOG.errorf("Schedule '%s' kept in the task store cannot be read (%s); it does not run", st.id(),
                            e.getMessage());
                }
            }
        }
        timer = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("fastworker-schedules"));
        timer.setRemoveOnCancelPolicy(true);
        entries.forEach((id, e) -> {
            StoredSchedule st = stored.get(id);
            synchronized (e) {
                if (st != null) {
                    e.paused = st.paused();
                    e.lastTick = st.lastTick();
                    e.lastTaskId = st.lastTaskId();
                }
                if (e.paused) {
                    return;
                }
                Instant missed = e.schedule.timing().previous(now);
                if (e.schedule.missed() == Schedule.Missed.CATCH_UP_ONCE && e.lastTick != null && missed != null
                        && missed.isAfter(e.lastTick)) {
                    LOG.infof("Schedule '%s' missed its ticks up to %s while the control plane was down; catching "
                            + "up once", id, missed);
                    timer.execute(() -> fire(e, e.schedule, missed));
                }
                arm(e, e.schedule.timing().next(now));
            }
        });
        LOG.infof("Schedules: %d (%d paused)", entries.size(),
                entries.values().stream().filter(e -> e.paused).count());
    }

    public void stop() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }

    /** Checks that the schedule's task exists and its arguments bind, as a submission now would. */
    private void check(Schedule s, Instant now, String where) {
        try {
            submitter.submission(s, now);
        } catch (RuntimeException e) {
            throw new IllegalStateException(where + ": " + e.getMessage(), e);
        }
    }

    // --- the API ---------------------------------------------------------------------------------------------

    public List<View> list() {
        List<View> out = new ArrayList<>();
        new TreeMap<>(entries).values().forEach(e -> out.add(view(e)));
        return out;
    }

    public Optional<View> find(String id) {
        Entry e = entries.get(id);
        return e == null ? Optional.empty() : Optional.of(view(e));
    }

    /**
     * Makes ({@code replace} false: only if new) or replaces a schedule through the API; completes with it once
     * kept. Its task and arguments are checked first ({@link Submitter}'s refusal is thrown as is).
     */
    public CompletableFuture<View> save(Schedule s, boolean replace) {
        submitter.submission(s, clock.instant());
        Entry existing = entries.get(s.id());
        if (existing != null && !replace) {
            throw new Refused(true, "schedule '" + s.id() + "' exists; change it with PUT /schedules/" + s.id());
        }
        if (existing != null && existing.schedule.source() != Schedule.Source.API) {
            throw notTheApis(existing.schedule);
        }
        if (existing == null && entries.size() >= MAX_SCHEDULES) {
            throw new Refused(true, "this control plane keeps at most " + MAX_SCHEDULES + " schedules; delete one "
                    + "first");
        }
        return definitions.keepSchedule(s.id(), s.toJson()).thenApply(ok -> {
            Entry e = entries.computeIfAbsent(s.id(), k -> new Entry(s));
            synchronized (e) {
                e.schedule = s;
                if (!e.paused) {
                    arm(e, s.timing().next(clock.instant()));
                }
            }
            return view(e);
        });
    }

    /** Deletes a schedule made through the API; completes with false if there is none. */
    public CompletableFuture<Boolean> delete(String id) {
        Entry e = entries.get(id);
        if (e == null) {
            return CompletableFuture.completedFuture(false);
        }
        if (e.schedule.source() != Schedule.Source.API) {
            throw notTheApis(e.schedule);
        }
        return definitions.keepSchedule(id, null).thenApply(ok -> {
            synchronized (e) {
                disarm(e);
                entries.remove(id, e);
            }
            return true;
        });
    }

    /** Pauses or resumes a schedule; a resumed one goes on with its next tick. Empty if there is none. */
    public Optional<CompletableFuture<View>> pause(String id, boolean paused) {
        Entry e = entries.get(id);
        if (e == null) {
            return Optional.empty();
        }
        return Optional.of(definitions.keepSchedulePaused(id, paused).thenApply(ok -> {
            synchronized (e) {
                e.paused = paused;
                if (paused) {
                    disarm(e);
                } else {
                    arm(e, e.schedule.timing().next(clock.instant()));
                }
            }
            return view(e);
        }));
    }

    private static Refused notTheApis(Schedule s) {
        return new Refused(true, "schedule '" + s.id() + "' is defined " + (s.source() == Schedule.Source.CONFIG
                ? "in fastworker.schedules" : "by @Task(cron)") + "; change it there (it can be paused and resumed "
                + "here)");
    }

    private View view(Entry e) {
        synchronized (e) {
            String status = e.lastTaskId == null ? null
                    : queries.find(e.lastTaskId).map(TaskView::status).map(st -> st.wireName()).orElse(null);
            return new View(e.schedule, e.paused, e.paused ? null : e.nextAt, e.lastTick, e.lastTaskId, status);
        }
    }

    // --- ticks -----------------------------------------------------------------------------------------------

    /** Arms the entry's timer for {@code at} (null: no more ticks). Call holding the entry. */
    private void arm(Entry e, Instant at) {
        disarm(e);
        e.nextAt = at;
        if (at == null || timer == null) {
            return;
        }
        Schedule s = e.schedule;
        long delay = Math.max(0, Duration.between(clock.instant(), at).toMillis());
        e.timer = timer.schedule(() -> tick(e, s, at), delay, TimeUnit.MILLISECONDS);
    }

    private static void disarm(Entry e) {
        if (e.timer != null) {
            e.timer.cancel(false);
            e.timer = null;
        }
        e.nextAt = null;
    }

    /** The timer of tick {@code at} of schedule {@code s} went off. */
    private void tick(Entry e, Schedule s, Instant at) {
        Instant now = clock.instant();
        synchronized (e) {
            if (e.schedule != s || e.paused || entries.get(s.id()) != e || !at.equals(e.nextAt)) {
                return; // changed, paused or deleted since it was armed
            }
            if (now.isBefore(at)) { // the wall clock went back: wait on
                arm(e, at);
                return;
            }
            Instant next = s.timing().next(at);
            if (next != null && next.isBefore(now.minus(LATE))) {
                next = s.timing().next(now);
            }
            arm(e, next);
            if (Duration.between(at, now).compareTo(LATE) > 0) {
                LOG.warnf("Schedule '%s' skipped its tick %s: the control plane was %d ms late for it", s.id(), at,
                        Duration.between(at, now).toMillis());
                return;
            }
            if (s.overlap() == Schedule.Overlap.SKIP_IF_RUNNING && e.lastTaskId != null && queries.find(e.lastTaskId)
                    .map(v -> !v.status().isTerminal()).orElse(false)) {
                LOG.infof("Schedule '%s' skipped its tick %s: its last run %s has not finished (overlap "
                        + "skip-if-running)", s.id(), at, e.lastTaskId);
                return;
            }
        }
        fire(e, s, at);
    }

    /** Submits the task of tick {@code at}. Holds no lock while it submits. */
    private void fire(Entry e, Schedule s, Instant at) {
        String taskId = s.taskId(at);
        Submission sub;
        try {
            sub = submitter.submission(s, at);
        } catch (RuntimeException ex) {
            LOG.errorf("Schedule '%s' could not submit its tick %s: %s", s.id(), at, ex.getMessage());
            return;
        }
        CompletableFuture<?> accepted;
        try {
            accepted = admission.submit(List.of(sub), Map.of());
        } catch (RuntimeException ex) {
            accepted = CompletableFuture.failedFuture(ex);
        }
        accepted.whenComplete((ok, failure) -> {
            Throwable why = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            if (why instanceof DuplicateTaskIdException) {
                LOG.debugf("Schedule '%s' tick %s was submitted before (task %s)", s.id(), at, taskId);
            } else if (why != null) {
                LOG.warnf("Schedule '%s' lost its tick %s: the submission was refused (%s)", s.id(), at,
                        why.getMessage());
                return;
            } else {
                LOG.infof("Task(id=%s, name='%s') submitted by schedule '%s' for %s", taskId, s.task(), s.id(), at);
            }
            synchronized (e) {
                if (e.lastTick == null || at.isAfter(e.lastTick)) {
                    e.lastTick = at;
                    e.lastTaskId = taskId;
                }
            }
        });
    }
}
