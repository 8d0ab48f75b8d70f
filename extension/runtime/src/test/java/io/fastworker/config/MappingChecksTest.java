package io.fastworker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ranges written on the configuration mapping are checked under the names a user writes, derived from the
 * mapping (no name is typed twice), with the messages of the one validator of task options.
 */
class MappingChecksTest {

    private static Map<String, String> problems(Map<String, String> settings) {
        Map<String, String> props = new HashMap<>(settings);
        props.putIfAbsent("fastworker.store.mode", "memory");
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(FastWorkerConfig.class)
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withConverter(Duration.class, 100, new DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 500)).build();
        Map<String, String> found = new LinkedHashMap<>();
        new MappingChecks(found::put).check(c.getConfigMapping(FastWorkerConfig.class));
        return found;
    }

    @Test
    void theDefaultsAreInRange() {
        assertEquals(Map.of(), problems(Map.of()));
    }

    @Test
    void absurdValuesAtBothEndsAreNamedAsTheUserWritesThem() {
        Map<String, String> p = problems(Map.of("fastworker.concurrency", "0", "fastworker.link.port", "70000",
                "fastworker.result-cache.ttl", "0", "fastworker.api.max-wait", "PT2562048H",
                "fastworker.limits.\"resize\".max-concurrency", "2000000", "fastworker.health.port", "-1",
                "fastworker.result.max-size", "10", "fastworker.store.compact-after", "1K",
                "fastworker.queue.max-bytes", "1T"));
        assertEquals("must be from 1 to 10000, got 0", p.get("fastworker.concurrency"));
        assertEquals("must be from 0 to 65535, got 70000", p.get("fastworker.link.port"));
        assertEquals("must be a positive duration, got PT0S", p.get("fastworker.result-cache.ttl"));
        assertEquals("must be at most PT1H, got PT2562048H", p.get("fastworker.api.max-wait"));
        assertEquals("must be from 1 to 1000000, got 2000000", p.get("fastworker.limits.\"resize\".max-concurrency"));
        assertEquals("must be from 0 to 65535, got -1", p.get("fastworker.health.port"));
        assertEquals("must be from 1024 to 1073741824 bytes, got 10 bytes", p.get("fastworker.result.max-size"));
        assertEquals("must be at least 1048576 bytes, got 1024 bytes", p.get("fastworker.store.compact-after"));
        assertTrue(p.get("fastworker.queue.max-bytes").startsWith("must be at least 1M and less than the maximum "
                + "heap"), p.toString());
        assertEquals(9, p.size(), p.toString());
    }

    @Test
    void taskDefaultsMeetTheRangesOfASubmissionsOptions() {
        Map<String, String> p = problems(Map.of("fastworker.task-defaults.timeout", "PT0.001S",
                "fastworker.task-defaults.max-retries", "5000", "fastworker.task-defaults.retry-backoff", "0.5",
                "fastworker.task-defaults.retry-delay", "P30D", "fastworker.task-defaults.retry-backoff-max", "0"));
        assertEquals("must be at least 10 ms (PT0.01S), got PT0.001S", p.get("fastworker.task-defaults.timeout"));
        assertEquals("must be a whole number from 0 to 1000, got 5000", p.get("fastworker.task-defaults.max-retries"));
        assertEquals("must be a number from 1.0 to 100.0, got 0.5", p.get("fastworker.task-defaults.retry-backoff"));
        assertEquals("must be at most PT168H, got PT720H", p.get("fastworker.task-defaults.retry-delay"));
        assertEquals("must be more than 0, got PT0S", p.get("fastworker.task-defaults.retry-backoff-max"));
    }

    /**
     * Every checked setting, set out of range under the name derived from its method, is reported under that name:
     * so the derived names are the ones SmallRye reads.
     */
    @Test
    void everyCheckedSettingIsReadUnderItsDerivedName() {
        Map<String, String> absurd = new HashMap<>();
        List<String> checked = new ArrayList<>();
        collect(FastWorkerConfig.class, "fastworker.", absurd, checked);
        assertTrue(checked.size() > 40, checked.toString());
        Map<String, String> p = problems(absurd);
        for (String property : checked) {
            assertTrue(p.containsKey(property), property + " was not reported; got " + p.keySet());
        }
    }

    private static void collect(Class<?> type, String prefix, Map<String, String> absurd, List<String> checked) {
        for (Method m : type.getMethods()) {
            String property = prefix + MappingChecks.property(m.getName());
            if (MappingChecks.isGroup(m.getReturnType())) {
                collect(m.getReturnType(), property + ".", absurd, checked);
            } else if (m.getName().equals("limits")) {
                collect(FastWorkerConfig.TaskLimit.class, property + ".\"t\".", absurd, checked);
            } else if (m.isAnnotationPresent(Check.Bounds.class)) {
                absurd.put(property, String.valueOf(m.getAnnotation(Check.Bounds.class).max() + 1));
                checked.add(property);
            } else if (m.isAnnotationPresent(Check.Span.class)) {
                absurd.put(property, "-PT1S");
                checked.add(property);
            } else if (m.isAnnotationPresent(Check.Bytes.class) || m.isAnnotationPresent(Check.HeapShare.class)) {
                absurd.put(property, "1");
                checked.add(property);
            } else if (m.isAnnotationPresent(Check.TaskOption.class)) {
                absurd.put(property, m.getReturnType() == Duration.class ? "P3650D" : "-1");
                checked.add(property);
            }
        }
    }
}
