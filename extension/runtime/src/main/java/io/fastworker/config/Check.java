package io.fastworker.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The range of a {@code fastworker.*} setting, written on its method in {@link FastWorkerConfig}; start-up refuses
 * a value out of it, naming the property (see {@link ConfigChecks}).
 */
public final class Check {

    private Check() {
    }

    /** A whole number from {@code min} to {@code max}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Bounds {
        long min();

        long max();
    }

    /** A duration above zero (or zero too, when {@code zero}), at most {@code max} (ISO-8601). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Span {
        String max();

        boolean zero() default false;
    }

    /** A size of at least {@code min} bytes, and at most {@code max}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface Bytes {
        long min();

        long max() default Long.MAX_VALUE;
    }

    /** A bound on what the heap holds: at least 1M, and less than the heap itself ({@code -Xmx}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface HeapShare {
    }

    /** The default of a task option, in the range a submission's option has ({@code TaskOptions}). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    public @interface TaskOption {
        /** The option's name in a submission: {@code maxRetries}, {@code timeout}... */
        String value();
    }
}
