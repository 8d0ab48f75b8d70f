package io.fastworker.deployment;

import io.fastworker.task.Task;
import io.quarkus.test.QuarkusUnitTest;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.InputStream;
import java.util.function.Supplier;

/** Tasks that break one rule each; every test that uses one expects the build to fail. */
class BadTasks {

    @ApplicationScoped
    public static class First {
        @Task(name = "twice")
        public void first() {
        }
    }

    @ApplicationScoped
    public static class Second {
        @Task(name = "twice")
        public void second() {
        }
    }

    @ApplicationScoped
    public static class Hidden {
        @Task
        void hidden(String s) {
        }
    }

    @ApplicationScoped
    public static class Streams {
        @Task
        public void read(InputStream in) {
        }

        @Task
        public Supplier<String> later() {
            return () -> "";
        }
    }

    /** No bean-defining annotation. */
    public static class Plain {
        @Task
        public void plain() {
        }
    }

    @ApplicationScoped
    public static class Slow {
        @Task(timeout = "1000000h", maxRetries = 5000, maxConcurrency = -3, rateLimit = "lots",
                cron = "0 25 * * *")
        public void slow() {
        }

        @Task(timeout = "0.5ms", retryBackoffMax = "0s")
        public void hasty() {
        }
    }

    /** An application made of {@code tasks}, whose build must fail with all of {@code expected} in its message. */
    static QuarkusUnitTest failing(Class<?>[] tasks, String... expected) {
        return new QuarkusUnitTest().withApplicationRoot(jar -> jar.addClasses(tasks))
                .assertException(BuildFailures.failsWith(expected));
    }
}
