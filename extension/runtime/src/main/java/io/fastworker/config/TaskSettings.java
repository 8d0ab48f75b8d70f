package io.fastworker.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What tasks are accepted and how they run by default: defaults, limits, schedules. Part of {@link FastWorkerConfig}, under {@code fastworker.*}.
 */
public interface TaskSettings {

    /** Options a task gets when neither its {@code @Task} annotation nor the submission sets them. */
    TaskDefaults taskDefaults();

    /**
     * Limits per task name, {@code fastworker.limits."<task>".*}, enforced by the control plane across every
     * executor. They beat a task's {@code @Task} limits; {@code PUT /limits/<task>} beats them.
     */
    Map<String, TaskLimit> limits();

    /**
     * Periodic schedules, {@code fastworker.schedules."<id>".*}, run by the control plane beside those of
     * {@code @Task(cron = ...)} and those made through {@code POST /schedules}.
     */
    Map<String, ScheduleSetting> schedules();

    /** Which tasks the control plane accepts beyond its own. */
    Tasks tasks();

    /** How a running task is stopped when it is cancelled. */
    Cancel cancel();

    interface Cancel {
        /**
         * How long the body of a cancelled attempt has to return once interrupted. After it, the attempt is
         * abandoned: it is reported cancelled at once, with a WARN, and its body left to finish; a subworker running
         * bodies on virtual threads frees its slot too.
         */
        @WithDefault("PT10S")
        @Check.Span(max = "P1D")
        Duration grace();
    }

    interface TaskDefaults {
        /** Retries after a failed attempt (0 = run once). */
        @WithDefault("0")
        @Check.TaskOption("maxRetries")
        int maxRetries();

        /** Delay before the first retry. */
        @WithDefault("PT1S")
        @Check.TaskOption("retryDelay")
        Duration retryDelay();

        /** Factor applied to the delay for each further retry. */
        @WithDefault("2.0")
        @Check.TaskOption("retryBackoff")
        double retryBackoff();

        /** Upper bound of the delay between two attempts. */
        @WithDefault("PT5M")
        @Check.TaskOption("retryBackoffMax")
        Duration retryBackoffMax();

        /** Longest an attempt may run before it fails with error type {@code timeout}. */
        @WithDefault("PT5M")
        @Check.TaskOption("timeout")
        Duration timeout();
    }

    interface TaskLimit {
        /** Most attempts of the task running at once across every executor (1 to 1,000,000). */
        @Check.Bounds(min = 1, max = io.fastworker.limit.Limit.MAX_CONCURRENCY)
        java.util.OptionalInt maxConcurrency();

        /** Most starts of the task per second, minute or hour: {@code 100/s}, {@code 10/m}, {@code 500/h}. */
        Optional<String> rate();
    }

    interface ScheduleSetting {
        /** The task it submits. */
        String task();

        /** A 5-field Unix cron expression (minute hour day-of-month month day-of-week; 0 and 7 are Sunday). */
        Optional<String> cron();

        /** The zone {@link #cron()} is read in, e.g. {@code Europe/Berlin}; UTC when unset. */
        Optional<String> timezone();

        /** Instead of a cron: every so long, on multiples of it since the epoch ({@code 30s}, {@code PT1H}). */
        Optional<String> every();

        /** The task's arguments, a JSON array. */
        Optional<String> args();

        /** The task's named arguments, a JSON object. */
        Optional<String> kwargs();

        /** The task's priority; its default when unset. */
        Optional<String> priority();

        /** Ticks missed while the control plane was down: {@code skip} (the default) or {@code catch-up-once}. */
        Optional<String> missed();

        /** A tick while the last run is unfinished: {@code allow} (the default) or {@code skip-if-running}. */
        Optional<String> overlap();
    }

    interface Tasks {
        /**
         * Task names the control plane accepts although none of its own beans declares them: tasks that only some
         * subworkers run, accepted even while none of those is connected (scale-to-zero, a rolling restart,
         * subworkers that start later). Such a task waits in its queue for a subworker that announces it and never
         * runs anywhere else. Comma-separated.
         */
        Optional<java.util.List<String>> declared();

        /**
         * How long a queued task may wait with no connected executor that runs it before a WARN says so (once per
         * task name, until an executor for it joins).
         */
        @WithDefault("PT1M")
        @Check.Span(max = "P1D")
        Duration unplacedWarning();

        /**
         * Most task names subworkers may announce, all of them together (1 to 100,000). A join that announces more,
         * or whose new names would take the control plane past it, is refused, naming this setting. Names are 1 to
         * 128 characters of {@code A-Z a-z 0-9 _ . : -}.
         */
        @WithDefault("1000")
        @Check.Bounds(min = 1, max = 100_000)
        int maxAnnounced();

        /**
         * How long a task name stays accepted after the last subworker that announced it left (while tasks of that
         * name wait in the queue, it stays). Tasks whose subworkers may be gone longer (scaled to zero) belong in
         * {@link #declared()}.
         */
        @WithDefault("P1D")
        @Check.Span(max = "P366D")
        Duration forgetAnnouncedAfter();
    }
}
