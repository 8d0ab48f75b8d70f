package io.fastworker.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The build fails on a parameter or result JSON cannot carry, naming the class, the method and the problem. */
class UnbindableTaskTypesTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = BadTasks.failing(new Class<?>[] {BadTasks.Streams.class},
            "BadTasks$Streams.read(java.io.InputStream): parameter 'in' (java.io.InputStream) cannot be bound from JSON",
            "BadTasks$Streams.later(): its result (java.util.function.Supplier<java.lang.String>) cannot be written as JSON");

    @Test
    void theBuildFails() {
        fail("the build should have failed");
    }
}
