package io.fastworker.execution;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The threads task bodies run on: a virtual thread per attempt where the JVM has them (Java 21+) and they are asked
 * for, else a fixed pool of platform threads. Guarantees: threads are named {@code fastworker-exec-N}; the number
 * of bodies running at once is bounded by the caller (the credits a subworker grants), not by this executor.
 */
public final class BodyThreads {

    private static final String PREFIX = "fastworker-exec-";

    private BodyThreads() {
    }

    /** An executor for task bodies: virtual threads if {@code virtual} and the JVM has them, else a pool. */
    public static ExecutorService executor(boolean virtual, int platformThreads) {
        if (virtual) {
            ThreadFactory f = virtualThreads();
            if (f != null) {
                try {
                    return (ExecutorService) Executors.class.getMethod("newThreadPerTaskExecutor", ThreadFactory.class)
                            .invoke(null, f);
                } catch (ReflectiveOperationException e) {
                    // not a Java 21+ JVM after all: platform threads
                }
            }
        }
        return Executors.newFixedThreadPool(platformThreads, DaemonThreads.numbered(PREFIX));
    }

    /** Whether this JVM has virtual threads (Java 21+). */
    public static boolean available() {
        return virtualThreads() != null;
    }

    /** Whether bodies run on virtual threads when they are {@code asked} for: asked, and the JVM has them. */
    public static boolean virtual(boolean asked) {
        return asked && available();
    }

    /** A factory of named virtual threads, through reflection (the bytecode is Java 17); null before Java 21. */
    private static ThreadFactory virtualThreads() {
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, PREFIX, 0L);
            return (ThreadFactory) ofVirtual.getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
