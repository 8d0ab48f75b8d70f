package io.fastworker.execution;

import io.fastworker.limit.Limit;
import io.fastworker.limit.Rate;
import io.fastworker.schedule.Timing;
import io.fastworker.task.Priority;
import io.fastworker.task.Task;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@link Task} method as the build found it: where it is, its parameters' names, and the values its annotation
 * sets ({@code -1}, {@code 0} and {@code ""} where it leaves an option to the configured default, as the annotation
 * does). The build refuses a method with any {@link #problems()}; the run time takes what the build handed over,
 * without reading the annotation again.
 */
public record DeclaredTask(String name, String declaringClass, String method, List<String> parameters,
        Priority priority, int maxRetries, String retryDelay, double retryBackoff, String retryBackoffMax,
        String timeout, int maxConcurrency, String rateLimit, String cron, String timezone,
        List<String> doNotRetry) {

    public DeclaredTask {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(declaringClass, "declaringClass");
        Objects.requireNonNull(method, "method");
        parameters = List.copyOf(parameters);
        Objects.requireNonNull(priority, "priority");
        doNotRetry = List.copyOf(doNotRetry);
    }

    /**
     * The options the annotation sets over the configured defaults (its priority always).
     *
     * @throws IllegalArgumentException a duration that cannot be read
     */
    public TaskOptions.Overrides overrides() {
        return new TaskOptions.Overrides(priority, maxRetries == -1 ? null : maxRetries, duration(retryDelay),
                retryBackoff == 0 ? null : retryBackoff, duration(retryBackoffMax), duration(timeout));
    }

    /**
     * The limit the annotation sets, if any.
     *
     * @throws IllegalArgumentException a rate that cannot be read, or a concurrency out of range
     */
    public Optional<Limit> limit() {
        if (maxConcurrency == 0 && rateLimit.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new Limit(maxConcurrency == 0 ? null : maxConcurrency,
                rateLimit.isBlank() ? null : Rate.parse(rateLimit)));
    }

    /** The schedule the annotation sets, if any. */
    public Optional<Timing.Cron> schedule() {
        return cron.isBlank() ? Optional.empty() : Optional.of(new Timing.Cron(cron, ZoneId.of(timezone)));
    }

    /**
     * Every problem of the values the annotation sets, each naming its option; empty when the task is fine. The
     * ranges are those of {@link TaskOptions} and {@link Limit}, the same a submission and a setting meet.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>(TaskOptions.problems(new TaskOptions.Overrides(null,
                maxRetries == -1 ? null : maxRetries, null, retryBackoff == 0 ? null : retryBackoff, null, null)));
        String[][] durations = {{"retryDelay", retryDelay}, {"retryBackoffMax", retryBackoffMax},
            {"timeout", timeout}};
        for (String[] d : durations) {
            try {
                Duration value = duration(d[1]);
                String problem = value == null ? null : TaskOptions.problem(d[0], value);
                if (problem != null) {
                    problems.add("'" + d[0] + "' " + problem);
                }
            } catch (IllegalArgumentException e) {
                problems.add("'" + d[0] + "': " + e.getMessage());
            }
        }
        if (maxConcurrency < 0 || maxConcurrency > Limit.MAX_CONCURRENCY) {
            problems.add("'maxConcurrency' must be from 1 to " + Limit.MAX_CONCURRENCY + " (or 0 for no bound), got "
                    + maxConcurrency);
        }
        if (!rateLimit.isBlank()) {
            try {
                Rate.parse(rateLimit);
            } catch (IllegalArgumentException e) {
                problems.add("'rateLimit': " + e.getMessage());
            }
        }
        try {
            schedule();
        } catch (IllegalArgumentException | DateTimeException e) {
            problems.add(e.getMessage());
        }
        return problems;
    }

    private static Duration duration(String text) {
        return text.isBlank() ? null : Durations.parse(text);
    }
}
