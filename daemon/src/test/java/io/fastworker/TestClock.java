package io.fastworker;

import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The wall clock moved forward by hand, for tests of time-bound behaviour (result TTLs) that must not depend on
 * how fast a busy machine runs them. Enabled per test profile ({@code getEnabledAlternatives}).
 */
@Alternative
@Singleton
public class TestClock extends Clock {

    private static final AtomicLong OFFSET_MILLIS = new AtomicLong();

    /** Moves this clock (and every clock of this class) forward. */
    public static void advance(Duration d) {
        OFFSET_MILLIS.addAndGet(d.toMillis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.now().plusMillis(OFFSET_MILLIS.get());
    }
}
