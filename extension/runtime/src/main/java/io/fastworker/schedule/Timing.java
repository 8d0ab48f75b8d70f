package io.fastworker.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/** When a schedule's ticks fall. */
public sealed interface Timing {

    /** The first tick strictly after {@code after}; null if there is none. */
    Instant next(Instant after);

    /** The last tick at or before {@code atOrBefore}; null if there is none. */
    Instant previous(Instant atOrBefore);

    /**
     * Every {@code period}, on multiples of it since the epoch (UTC): {@code 30s} ticks at :00 and :30 of each
     * minute, whenever the schedule was made, so a tick is the same instant before and after a restart.
     */
    record Every(Duration period) implements Timing {
        public static final Duration MIN = Duration.ofSeconds(1);
        public static final Duration MAX = Duration.ofDays(366);

        public Every {
            if (period.compareTo(MIN) < 0 || period.compareTo(MAX) > 0 || period.toNanos() % 1_000_000_000L != 0) {
                throw new IllegalArgumentException("every must be whole seconds from " + MIN + " to " + MAX + ", got "
                        + period);
            }
        }

        @Override
        public Instant next(Instant after) {
            long p = period.toSeconds();
            return Instant.ofEpochSecond(Math.floorDiv(after.getEpochSecond(), p) * p + p);
        }

        @Override
        public Instant previous(Instant atOrBefore) {
            long p = period.toSeconds();
            return Instant.ofEpochSecond(Math.floorDiv(atOrBefore.getEpochSecond(), p) * p);
        }
    }

    /**
     * A 5-field Unix cron expression (minute hour day-of-month month day-of-week; day-of-week 0 to 7, where 0 and 7
     * are Sunday), read in {@code zone}. A time a daylight-saving jump skips does not fire that day; a time it
     * repeats fires once.
     */
    record Cron(String expression, ZoneId zone) implements Timing {
        private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(
                CronType.UNIX));

        public Cron {
            java.util.Objects.requireNonNull(zone, "zone");
            execution(expression);
        }

        private static ExecutionTime execution(String expression) {
            if (expression == null || expression.isBlank()) {
                throw new IllegalArgumentException("cron must be a 5-field Unix cron expression such as "
                        + "\"0 3 * * 1-5\"");
            }
            try {
                return ExecutionTime.forCron(PARSER.parse(expression.strip()).validate());
            } catch (IllegalArgumentException | DateTimeException e) {
                throw new IllegalArgumentException("cron '" + expression + "' is not a 5-field Unix cron expression "
                        + "(minute hour day-of-month month day-of-week, e.g. \"0 3 * * 1-5\"): " + e.getMessage());
            }
        }

        @Override
        public Instant next(Instant after) {
            return execution(expression).nextExecution(ZonedDateTime.ofInstant(after, zone))
                    .map(ZonedDateTime::toInstant).orElse(null);
        }

        @Override
        public Instant previous(Instant atOrBefore) {
            return execution(expression).lastExecution(ZonedDateTime.ofInstant(atOrBefore.plusSeconds(1), zone))
                    .map(ZonedDateTime::toInstant).orElse(null);
        }
    }

    /** Parses a zone id such as {@code Europe/Berlin} or {@code UTC}. */
    static ZoneId zone(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("timezone '" + id + "' is not a time zone id such as \"Europe/Berlin\" "
                    + "or \"UTC\"");
        }
    }
}
