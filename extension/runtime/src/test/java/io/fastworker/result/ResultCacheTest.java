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
    void dropsTheOldestEntryFirstWhateverWasRead() {
        ManualClock clock = new ManualClock();
        ResultCache<String> cache = new ResultCache<>(3, Duration.ofHours(1), clock);
        for (String k : List.of("a", "b", "c")) {
            cache.put(k, k.toUpperCase());
            clock.now = clock.now.plusMillis(1);
        }
        assertEquals("A", cache.get("a")); // a read changes nothing: replicas read differently
        cache.put("d", "D");
        clock.now = clock.now.plusMillis(1);
        assertNull(cache.get("a"));
        assertEquals("B", cache.get("b"));
        cache.put("b", "B2"); // stored again: the newest now
        clock.now = clock.now.plusMillis(1);
        cache.put("e", "E");
        assertNull(cache.get("c"));
        assertEquals("B2", cache.get("b"));
        List<String> live = new java.util.ArrayList<>();
        cache.forEachLive(live::add);
        assertEquals(List.of("D", "B2", "E"), live);
    }

    @Test
    void whatIsKeptAndItsOrderDependOnTheEntriesNotOnTheOrderTheyCameIn() {
        ManualClock clock = new ManualClock();
        ResultCache<String> one = new ResultCache<>(3, Duration.ofHours(1), clock);
        ResultCache<String> other = new ResultCache<>(3, Duration.ofHours(1), clock);
        long t = clock.millis();
        // four tasks that ended at two times, stored by racing threads in two different orders
        List<String> keys = List.of("w", "x", "y", "z");
        for (String k : keys) {
            one.restore(k, k, k.compareTo("x") <= 0 ? t - 10 : t - 5);
        }
        for (String k : List.of("z", "x", "y", "w")) {
            other.restore(k, k, k.compareTo("x") <= 0 ? t - 10 : t - 5);
        }
        List<String> a = new java.util.ArrayList<>();
        List<String> b = new java.util.ArrayList<>();
        one.forEachLive(a::add);
        other.forEachLive(b::add);
        assertEquals(List.of("x", "y", "z"), a, "the oldest (then the first by key) went");
        assertEquals(a, b);
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
        assertEquals(2, cache.size(), "a read leaves an expired entry to the sweep");
        clock.now = clock.now.plusSeconds(60);
        assertEquals(2, cache.sweep());
        assertEquals(0, cache.size());
    }

    @Test
    void theByteBoundDropsTheOldestUntilTheRestFits() {
        ManualClock clock = new ManualClock();
        ResultCache<String> cache = new ResultCache<>(100, 10, String::length, Duration.ofHours(1), clock);
        cache.put("a", "aaaa");
        cache.put("b", "bbbb");
        assertEquals("aaaa", cache.get("a"));
        cache.put("c", "ccccc");
        assertNull(cache.get("a"));
        assertEquals(9, cache.bytes());
        cache.put("b", "b"); // replacing an entry replaces its weight
        assertEquals(6, cache.bytes());
        cache.put("huge", "x".repeat(50)); // alone over the bound: kept, everything else goes
        assertEquals(1, cache.size());
        assertEquals(50, cache.bytes());
        assertEquals(true, cache.remove("huge"));
        assertEquals(0, cache.bytes());
        cache.put("d", "dd");
        clock.now = clock.now.plusSeconds(7200);
        assertNull(cache.get("d"));
        assertEquals(2, cache.bytes(), "reading an expired entry changes nothing");
        cache.put("e", "ee");
        clock.now = clock.now.plusSeconds(7200);
        assertEquals(2, cache.sweep());
        assertEquals(0, cache.bytes(), "a sweep forgets expired entries with their weight");
    }
}
