package io.fastworker.config;

import io.fastworker.execution.TaskOptions;
import io.quarkus.runtime.configuration.MemorySize;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Checks every setting that carries a {@link Check} annotation against it, walking the configuration mapping itself:
 * a property's name is derived from its method, as SmallRye Config derives it, so no name is written twice.
 */
final class MappingChecks {

    private final BiConsumer<String, String> fail;

    /** {@code fail} is told each property out of range and why. */
    MappingChecks(BiConsumer<String, String> fail) {
        this.fail = fail;
    }

    /** Checks {@code config} and every group below it. */
    void check(FastWorkerConfig config) {
        group(config, FastWorkerConfig.class, "fastworker.");
    }

    /** The groups of the mapping: the interfaces nested in {@link FastWorkerConfig} or in one of its parts. */
    static boolean isGroup(Class<?> type) {
        Class<?> owner = type.getEnclosingClass();
        return type.isInterface() && owner != null && owner.isAssignableFrom(FastWorkerConfig.class);
    }

    /** The property a method of the mapping stands for: {@code maxBytes} → {@code max-bytes}. */
    static String property(String method) {
        StringBuilder b = new StringBuilder();
        for (char c : method.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('-').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private void group(Object group, Class<?> type, String prefix) {
        Method[] methods = type.getMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (m.getParameterCount() != 0 || m.isDefault() || Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String property = prefix + property(m.getName());
            Object value = read(m, group);
            if (isGroup(m.getReturnType())) {
                group(value, m.getReturnType(), property + ".");
            } else if (value instanceof Map<?, ?> map && valueType(m) instanceof Class<?> g && isGroup(g)) {
                new TreeMap<>(map).forEach((key, v) -> group(v, g, property + ".\"" + key + "\"."));
            } else {
                value(m, property, value);
            }
        }
    }

    private void value(Method m, String property, Object raw) {
        Object value = raw instanceof Optional<?> o ? o.orElse(null)
                : raw instanceof OptionalInt o ? (o.isPresent() ? (Object) o.getAsInt() : null) : raw;
        if (value == null) {
            return;
        }
        Check.Bounds bounds = m.getAnnotation(Check.Bounds.class);
        if (bounds != null) {
            long n = ((Number) value).longValue();
            if (n < bounds.min() || n > bounds.max()) {
                fail.accept(property, "must be from " + bounds.min() + " to " + bounds.max() + ", got " + n);
            }
        }
        Check.Span span = m.getAnnotation(Check.Span.class);
        if (span != null) {
            span(property, (Duration) value, span);
        }
        Check.Bytes bytes = m.getAnnotation(Check.Bytes.class);
        if (bytes != null) {
            long n = ((MemorySize) value).asLongValue();
            if (n < bytes.min() || n > bytes.max()) {
                fail.accept(property, (bytes.max() == Long.MAX_VALUE ? "must be at least " + bytes.min()
                        : "must be from " + bytes.min() + " to " + bytes.max()) + " bytes, got " + n + " bytes");
            }
        }
        if (m.isAnnotationPresent(Check.HeapShare.class)) {
            long n = ((MemorySize) value).asLongValue();
            long heap = Runtime.getRuntime().maxMemory();
            if (n < 1 << 20 || n >= heap) {
                fail.accept(property, "must be at least 1M and less than the maximum heap (" + heap / (1 << 20)
                        + "M; -Xmx), got " + n + " bytes");
            }
        }
        Check.TaskOption option = m.getAnnotation(Check.TaskOption.class);
        if (option != null) {
            taskOption(property, option.value(), value);
        }
    }

    private void span(String property, Duration value, Check.Span span) {
        Duration max = Duration.parse(span.max());
        if (value.isNegative() || (!span.zero() && value.isZero())) {
            fail.accept(property, "must be " + (span.zero() ? "0 or more" : "a positive duration") + ", got "
                    + value);
        } else if (value.compareTo(max) > 0) {
            fail.accept(property, "must be at most " + max + ", got " + value);
        }
    }

    /** The one statement of a task option's range is {@link TaskOptions}: asked here as a submission would be. */
    private void taskOption(String property, String option, Object value) {
        TaskOptions.Overrides o = switch (option) {
            case "maxRetries" -> new TaskOptions.Overrides(null, (Integer) value, null, null, null, null);
            case "retryDelay" -> new TaskOptions.Overrides(null, null, (Duration) value, null, null, null);
            case "retryBackoff" -> new TaskOptions.Overrides(null, null, null, (Double) value, null, null);
            case "retryBackoffMax" -> new TaskOptions.Overrides(null, null, null, null, (Duration) value, null);
            case "timeout" -> new TaskOptions.Overrides(null, null, null, null, null, (Duration) value);
            default -> throw new IllegalStateException("not a task option: " + option);
        };
        String quoted = "'" + option + "' ";
        TaskOptions.problems(o).forEach(p -> fail.accept(property, p.startsWith(quoted)
                ? p.substring(quoted.length()) : p));
    }

    private static Type valueType(Method m) {
        return m.getGenericReturnType() instanceof ParameterizedType p && p.getActualTypeArguments().length == 2
                ? p.getActualTypeArguments()[1] : null;
    }

    private static Object read(Method m, Object group) {
        try {
            return m.invoke(group);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read the setting " + m.getName() + ": " + e, e);
        }
    }
}
