package io.fastworker.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void readsTheFormsClientsWrite() {
        assertEquals(Duration.ofSeconds(60), Durations.parse("60"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1.5"));
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("5s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofSeconds(60), Durations.parse("PT60S"));
        assertEquals(Duration.ofMillis(250), Durations.ofSeconds(0.25));
    }

    @Test
    void refusesNegativeAndNonsense() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse("-PT1S")).getMessage()
                .contains("negative"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon")).getMessage()
                .contains("not a duration"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("-5"));
        assertThrows(IllegalArgumentException.class, () -> Durations.ofSeconds(-1));
        assertThrows(IllegalArgumentException.class, () -> Durations.ofSeconds(Double.NaN));
    }

    @Test
    void backoffGrowsByTheFactorUpToTheCap() {
        TaskOptions o = new TaskOptions(io.fastworker.task.Priority.NORMAL, 5, Duration.ofMillis(100), 2.0,
                Duration.ofMillis(350), Duration.ofSeconds(1));
        assertEquals(Duration.ofMillis(100), o.backoffBefore(1));
        assertEquals(Duration.ofMillis(200), o.backoffBefore(2));
        assertEquals(Duration.ofMillis(350), o.backoffBefore(3));
        assertEquals(6, o.maxAttempts());
    }
}
