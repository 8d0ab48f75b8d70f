package io.fastworker.task;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method of a CDI bean as a FastWorker task. Arguments and the result are JSON: positional {@code args}
 * bind to the parameters in order, {@code kwargs} by parameter name. The body may block; it never runs on an
 * event-loop thread. A body may run more than once for one task (delivery is at-least-once), so make it idempotent
 * or check {@link TaskContext#attempt()}.
 *
 * <p>The method must be public and not static, of a CDI bean (e.g. {@code @ApplicationScoped}); its parameters and
 * result must be types JSON binds to (numbers, strings, booleans, lists, maps, records, beans, {@code JsonNode});
 * task names are unique. An application that breaks one of these rules fails to build, with a message naming the
 * method.
 *
 * <p>Every option here can be overridden per submission. Durations are ISO-8601 ({@code PT30S}) or a number with
 * a unit ({@code 30s}, {@code 500ms}); empty means the configured {@code fastworker.task-defaults.*} value.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Task {

    /** The task name clients submit; defaults to the method name. */
    String name() default "";

    /** Priority used when a submission names none. */
    Priority priority() default Priority.NORMAL;

    /** Retries after a failed attempt; -1 means the configured default. */
    int maxRetries() default -1;

    /** Delay before the first retry. */
    String retryDelay() default "";

    /** Factor applied to the delay for each further retry; 0 means the configured default. */
    double retryBackoff() default 0;

    /** Cap on the delay between attempts. */
    String retryBackoffMax() default "";

    /** Longest one attempt may run. */
    String timeout() default "";

    /**
     * Most attempts of this task running at once across every executor, enforced by the control plane; 0 means no
     * bound. {@code fastworker.limits."<task>".max-concurrency} and {@code PUT /limits/<task>} override it.
     */
    int maxConcurrency() default 0;

    /**
     * Most starts of this task per second, minute or hour across every executor ({@code "100/s"}, {@code "10/m"},
     * {@code "500/h"}), enforced by the control plane; empty means no bound. Starts are spaced evenly.
     */
    String rateLimit() default "";

    /**
     * Runs the task periodically, as the schedule named after the task: a 5-field Unix cron expression (minute hour
     * day-of-month month day-of-week; day-of-week 0 to 7, 0 and 7 being Sunday), e.g. {@code "0 3 * * 1-5"}. The
     * task then takes no arguments. Empty: no schedule.
     */
    String cron() default "";

    /** The time zone {@link #cron()} is read in, e.g. {@code "Europe/Berlin"}. */
    String timezone() default "UTC";

    /**
     * Exceptions that end the task at once: a body that throws one of these (or a subclass) fails without a retry,
     * with {@code nonRetryable: true} on its error.
     */
    Class<? extends Throwable>[] doNotRetry() default {};
}
