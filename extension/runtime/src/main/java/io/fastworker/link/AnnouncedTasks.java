package io.fastworker.link;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.TaskOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The tasks subworkers announced: their names, parameters and options. Guarantees: at most
 * {@code fastworker.tasks.max-announced} names are kept, each 1 to 128 characters of {@code A-Z a-z 0-9 _ . : -}; a
 * name stays accepted while a joined subworker offers it and for {@code fastworker.tasks.forget-announced-after}
 * after the last one left (longer while tasks of that name are queued); the options of a name are those of the
 * latest subworker that joined offering it (a differing announcement is logged by the caller). Reads never lock.
 */
@ApplicationScoped
public class AnnouncedTasks {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

    /** What is known of one announced task; {@code idleSince} is null while a joined subworker offers it. */
    private record Entry(Optional<List<String>> parameters, TaskOptions.Overrides options, String optionsFrom,
            Set<String> offeredBy, Instant idleSince) {
    }

    /** A name whose options a join replaced: who announced them before, and the options before and after. */
    public record Replaced(String task, String before, TaskOptions.Overrides old, TaskOptions.Overrides now) {
    }

    @Inject
    FastWorkerConfig.Tasks tasksSettings;

    @Inject
    Clock clock;

    private final Map<String, Entry> byName = new ConcurrentHashMap<>();

    /** Why a join announcing {@code tasks} cannot be taken, or null when it can. */
    synchronized String refusal(Collection<String> tasks) {
        int max = tasksSettings.maxAnnounced();
        if (tasks.size() > max) {
            return "a subworker may announce at most " + max + " tasks (fastworker.tasks.max-announced), got "
                    + tasks.size();
        }
        for (String t : tasks) {
            if (!NAME.matcher(t).matches()) {
                return "task names are 1 to 128 characters of A-Z a-z 0-9 _ . : -, got '" + abbreviated(t) + "'";
            }
        }
        long fresh = tasks.stream().filter(t -> !byName.containsKey(t)).distinct().count();
        if (byName.size() + fresh > max) {
            return "this control plane keeps at most " + max + " announced task names (fastworker.tasks."
                    + "max-announced); it has " + byName.size() + " and this join would add " + fresh;
        }
        return null;
    }

    private static String abbreviated(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    /**
     * Records that {@code workerId} offers {@code tasks} with these parameters and options (each task's entry, or
     * none); returns the names new to this control plane (whose meters are to be made) and, in {@code replaced}, the
     * names whose options it changed.
     */
    synchronized List<String> offer(String workerId, List<String> tasks, Map<String, List<String>> parameters,
            Map<String, TaskOptions.Overrides> options, List<Replaced> replaced) {
        List<String> fresh = new ArrayList<>();
        for (String task : tasks) {
            Entry old = byName.get(task);
            TaskOptions.Overrides announced = options.getOrDefault(task, TaskOptions.Overrides.NONE);
            Set<String> by = new HashSet<>(old == null ? Set.of() : old.offeredBy());
            by.add(workerId);
            if (old == null) {
                fresh.add(task);
            } else if (!old.options().equals(announced) && !old.optionsFrom().equals(workerId)) {
                replaced.add(new Replaced(task, old.optionsFrom(), old.options(), announced));
            }
            byName.put(task, new Entry(Optional.ofNullable(parameters.get(task)).map(List::copyOf), announced,
                    workerId, Set.copyOf(by), null));
        }
        return fresh;
    }

    /** {@code workerId}, which offered {@code tasks}, is gone. */
    synchronized void withdraw(String workerId, Collection<String> tasks) {
        Instant now = clock.instant();
        for (String task : tasks) {
            byName.computeIfPresent(task, (t, e) -> {
                Set<String> by = new HashSet<>(e.offeredBy());
                by.remove(workerId);
                return new Entry(e.parameters(), e.options(), e.optionsFrom(), Set.copyOf(by),
                        by.isEmpty() ? now : null);
            });
        }
    }

    /**
     * Forgets the names no joined subworker has offered for {@code fastworker.tasks.forget-announced-after}, except
     * those in {@code keep} (tasks of those names are queued); returns the names forgotten.
     */
    synchronized List<String> forgetIdle(Set<String> keep) {
        Instant before = clock.instant().minus(tasksSettings.forgetAnnouncedAfter());
        List<String> forgotten = new ArrayList<>();
        byName.forEach((task, e) -> {
            if (e.idleSince() != null && e.idleSince().isBefore(before) && !keep.contains(task)) {
                forgotten.add(task);
            }
        });
        forgotten.forEach(byName::remove);
        return forgotten;
    }

    /** Every announced name kept (a live view). */
    public Set<String> names() {
        return java.util.Collections.unmodifiableSet(byName.keySet());
    }

    public boolean contains(String task) {
        return byName.containsKey(task);
    }

    /** The parameters a subworker announced for a task; empty when none were or the task is unknown. */
    public Optional<List<String>> parameters(String task) {
        Entry e = byName.get(task);
        return e == null ? Optional.empty() : e.parameters();
    }

    /** The options the latest subworker offering the task announced (none set when it announced none). */
    public TaskOptions.Overrides options(String task) {
        Entry e = byName.get(task);
        return e == null ? TaskOptions.Overrides.NONE : e.options();
    }
}
