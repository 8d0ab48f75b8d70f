package io.fastworker.execution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BodyThreadsTest {

    /** Whether the calling thread is virtual (false before Java 21, which has no virtual threads). */
    private static boolean virtual() {
        try {
            return (Boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread());
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    private static String[] runOn(ExecutorService e) throws Exception {
        try {
            return e.submit(() -> new String[] {Thread.currentThread().getName(), String.valueOf(virtual())}).get(10,
                    TimeUnit.SECONDS);
        } finally {
            e.shutdown();
        }
    }

    @Test
    void bodiesRunOnVirtualThreadsWhereTheJvmHasThem() throws Exception {
        String[] ran = runOn(BodyThreads.executor(true, 2));
        assertTrue(ran[0].startsWith("fastworker-exec-"), ran[0]);
        assertEquals(String.valueOf(Runtime.version().feature() >= 21), ran[1], "virtual on Java 21+ only");
        assertEquals(Runtime.version().feature() >= 21, BodyThreads.available());
    }

    @Test
    void platformThreadsWhenVirtualOnesAreNotAskedFor() throws Exception {
        String[] ran = runOn(BodyThreads.executor(false, 2));
        assertEquals("fastworker-exec-0", ran[0]);
        assertEquals("false", ran[1]);
    }
}
