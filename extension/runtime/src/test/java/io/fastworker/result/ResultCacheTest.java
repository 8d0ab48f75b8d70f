package io.fastworker.result;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultCacheTest {

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void dropsTheLeastRecentlyUsedEntryFirst() {
        ResultCache<String> cache = new ResultCache<>(3, Duration.ofHours(1), new ManualClock());
        cache.put("a", "A");
        cache.put("b", "B");
        cache.put("c", "C");
        assertEquals("A", cache.get("a")); // a is now the most recently used
        cache.put("d", "D");
        assertNull(cache.get("b"));
        assertEquals("A", cache.get("a"));
        assertEquals("C", cache.get("c"));
        assertEquals("D", cache.get("d"));
        assertEquals(3, cache.size());
    }

    @Test
    void anEntryExpiresAfterItsTtlEvenBeforeASweep() {
        ManualClock clock = new ManualClock();
        ResultCache<String> cache = new ResultCache<>(10, Duration.ofSeconds(60), clock);
        cache.put("a", "A");
        clock.now = clock.now.plusSeconds(59);
        cache.put("b", "B");
        assertEquals("A", cache.get("a"));
        clock.now = clock.now.plusSeconds(1);
        assertNull(cache.get("a"));
        List<String> live = new java.util.ArrayList<>();
        cache.forEachLive(live::add);
        assertEquals(List.of("B"), live);
        clock.now = clock.now.plusSeconds(60);
        assertEquals(1, cache.sweep());
        assertEquals(0, cache.size());
    }

    @Test
    void theByteBoundDropsTheLeastRecentlyUsedUntilTheRestFits() {
        ManualClock clock = new ManualClock();
        ResultCache<String> cache = new ResultCache<>(100, 10, String::length, Duration.ofHours(1), clock);
        cache.put("a", "aaaa");
        cache.put("b", "bbbb");
        assertEquals("aaaa", cache.get("a")); // b is now the least recently used
        cache.put("c", "ccccc");
        assertNull(cache.get("b"));
        assertEquals(9, cache.bytes());
        cache.put("a", "a"); // replacing an entry replaces its weight
        assertEquals(6, cache.bytes());
        cache.put("huge", "x".repeat(50)); // alone over the bound: kept, everything else goes
        assertEquals(1, cache.size());
        assertEquals(50, cache.bytes());
        assertEquals(true, cache.remove("huge"));
        assertEquals(0, cache.bytes());
        cache.put("d", "dd");
        clock.now = clock.now.plusSeconds(7200);
        assertNull(cache.get("d"));
        assertEquals(0, cache.bytes(), "an expired entry read is forgotten with its weight");
        cache.put("e", "ee");
        clock.now = clock.now.plusSeconds(7200);
        cache.sweep();
        assertEquals(0, cache.bytes());
    }
}
