package io.fastworker;

import io.fastworker.task.Task;
import io.fastworker.task.TaskContext;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Tasks that exist only in tests, to observe how often and with which context a body ran. */
@ApplicationScoped
@RegisterForReflection(methods = true)
public class TestTasks {

    public static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    /** Blocks until the test calls {@link #open(String)} for the key (at most 60 s), so a test decides when it ends. */
    @Task
    public boolean gate(String key) throws InterruptedException {
        return GATES.computeIfAbsent(key, k -> new CountDownLatch(1)).await(60, TimeUnit.SECONDS);
    }

    /** Lets every {@code gate} task of this key return. */
    public static void open(String key) {
        GATES.computeIfAbsent(key, k -> new CountDownLatch(1)).countDown();
    }

    /** Counts its runs per key and returns the attempt number it saw. */
    @Task
    public int count(String key) {
        RUNS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return TaskContext.current().attempt();
    }

    /** Fails on attempts before {@code succeedOn}, then returns the attempt number. */
    @Task(name = "flaky", maxRetries = 3, retryDelay = "50ms")
    public int flaky(int succeedOn) {
        int attempt = TaskContext.current().attempt();
        if (attempt < succeedOn) {
            throw new IllegalStateException("attempt " + attempt + " fails on purpose");
        }
        return attempt;
    }

    /** Throws an {@link Error}, as broken task code may (a stack overflow, a failed static initialiser). */
    @Task
    public void explode(String kind) {
        switch (kind) {
            case "stack" -> explode(kind + "!");
            case "init" -> throw new ExceptionInInitializerError("static init failed");
            default -> throw new AssertionError(kind);
        }
    }

    /** A result Jackson cannot write. */
    @Task(name = "unserializable")
    public Object unserializable() {
        return new Object() {
            @SuppressWarnings("unused")
            public Object getSelf() {
                return this;
            }
        };
    }
}
