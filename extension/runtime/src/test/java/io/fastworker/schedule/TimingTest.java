package io.fastworker.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** When ticks fall: cron weekdays and daylight-saving days in a zone that is not UTC, and fixed periods. */
class TimingTest {

    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void weekdaysAtThreeInBerlinSkipTheWeekend() {
        Timing.Cron c = new Timing.Cron("0 3 * * 1-5", BERLIN);
        // Friday 2026-11-27 03:00 CET (02:00Z) has fired; the next is Monday 2026-11-30 03:00 CET.
        assertEquals(Instant.parse("2026-11-30T02:00:00Z"), c.next(Instant.parse("2026-11-27T02:00:00Z")));
        assertEquals(Instant.parse("2026-11-27T02:00:00Z"), c.next(Instant.parse("2026-11-27T01:59:59Z")));
        // In summer (CEST, UTC+2) the same expression is 01:00Z.
        assertEquals(Instant.parse("2026-07-06T01:00:00Z"), c.next(Instant.parse("2026-07-04T12:00:00Z")));
        assertEquals(Instant.parse("2026-11-27T02:00:00Z"), c.previous(Instant.parse("2026-11-29T12:00:00Z")));
        assertEquals(Instant.parse("2026-11-27T02:00:00Z"), c.previous(Instant.parse("2026-11-27T02:00:00Z")));
    }

    @Test
    void sundayIsZeroAndSeven() {
        Instant saturdayNoon = Instant.parse("2026-11-28T12:00:00Z");
        Instant sunday = Instant.parse("2026-11-29T09:00:00Z"); // 10:00 CET
        assertEquals(sunday, new Timing.Cron("0 10 * * 0", BERLIN).next(saturdayNoon));
        assertEquals(sunday, new Timing.Cron("0 10 * * 7", BERLIN).next(saturdayNoon));
        assertEquals(Instant.parse("2026-11-30T09:00:00Z"), new Timing.Cron("0 10 * * 1", BERLIN).next(saturdayNoon),
                "1 is Monday, not Sunday (the original's off-by-one)");
    }

    @Test
    void daylightSavingJumps() {
        // 2026-03-29: Berlin jumps from 02:00 to 03:00. 02:30 does not exist that day: no tick then.
        Timing.Cron half = new Timing.Cron("30 2 * * *", BERLIN);
        Instant t = half.next(Instant.parse("2026-03-28T02:00:00Z")); // after 03:00 CET on the 28th
        assertEquals(Instant.parse("2026-03-30T00:30:00Z"), t, "the skipped 02:30 does not fire; the next day's does");
        // 2026-10-25: 02:00-03:00 happens twice. An hourly tick at :30 fires once per distinct instant.
        Timing.Cron hourly = new Timing.Cron("30 * * * *", BERLIN);
        Instant first = hourly.next(Instant.parse("2026-10-24T23:45:00Z")); // 01:45 CEST
        Instant second = hourly.next(first);
        Instant third = hourly.next(second);
        assertEquals(Instant.parse("2026-10-25T00:30:00Z"), first); // 02:30 CEST
        assertTrue(second.isAfter(first) && third.isAfter(second));
        assertEquals(Duration.ofHours(1), Duration.between(first, second));
    }

    @Test
    void everyTicksOnMultiplesOfItsPeriod() {
        Timing.Every e = new Timing.Every(Duration.ofSeconds(30));
        assertEquals(Instant.parse("2026-11-28T10:00:30Z"), e.next(Instant.parse("2026-11-28T10:00:00Z")));
        assertEquals(Instant.parse("2026-11-28T10:00:30Z"), e.next(Instant.parse("2026-11-28T10:00:29.999Z")));
        assertEquals(Instant.parse("2026-11-28T10:00:00Z"), e.previous(Instant.parse("2026-11-28T10:00:29Z")));
    }

    @Test
    void badTimingsAreRefusedWithTheReason() {
        for (String bad : new String[] {"", "* * * *", "61 * * * *", "0 3 * * 8", "0 3 * * mon-fry", "@daily x",
            "0 0 3 * * 1-5"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Timing.Cron(bad, BERLIN), bad);
            assertTrue(e.getMessage().contains("cron"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new Timing.Every(Duration.ofMillis(500)));
        assertThrows(IllegalArgumentException.class, () -> new Timing.Every(Duration.ofDays(400)));
        assertThrows(IllegalArgumentException.class, () -> Timing.zone("Mars/Olympus"));
    }
}
