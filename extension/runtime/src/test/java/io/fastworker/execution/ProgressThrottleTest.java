package io.fastworker.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The pacing of a body's progress reports, on times the test chooses. */
class ProgressThrottleTest {

    static final long MS = 1_000_000;

    static ProgressThrottle.Report r(double fraction) {
        return new ProgressThrottle.Report(fraction, "at " + fraction);
    }

    @Test
    void theFirstReportPassesAndTheNewestOfASpamIsKeptUntilItsIntervalIsUp() {
        ProgressThrottle t = new ProgressThrottle(250 * MS);
        long start = 5_000 * MS;
        assertEquals(r(0.0), t.offer(r(0.0), start));
        for (int i = 1; i <= 1000; i++) {
            assertNull(t.offer(r(i / 1000.0), start + i * 100_000L), "within the interval: kept, not passed");
        }
        assertNull(t.due(start + 249 * MS), "not yet due");
        assertEquals(r(1.0), t.due(start + 250 * MS), "the newest of the spam, once due");
        assertNull(t.due(start + 600 * MS), "nothing kept any more");
        assertEquals(r(0.5), t.offer(r(0.5), start + 600 * MS), "a report after a quiet interval passes at once");
    }

    @Test
    void aKeptReportIsDroppedWhenTheAttemptEnds() {
        ProgressThrottle t = new ProgressThrottle(250 * MS);
        t.offer(r(0.1), 0);
        assertNull(t.offer(r(0.2), 10 * MS));
        t.close();
        assertNull(t.due(1_000 * MS), "the outcome supersedes it");
        assertNull(t.offer(r(0.3), 2_000 * MS), "nothing passes after the end");
    }

    @Test
    void nanoTimeMayBeNegative() {
        ProgressThrottle t = new ProgressThrottle(250 * MS);
        long start = Long.MIN_VALUE + 1;
        assertEquals(r(0.1), t.offer(r(0.1), start));
        assertNull(t.offer(r(0.2), start + MS));
        assertEquals(r(0.2), t.due(start + 251 * MS));
        assertThrows(IllegalArgumentException.class, () -> new ProgressThrottle(0));
    }
}
