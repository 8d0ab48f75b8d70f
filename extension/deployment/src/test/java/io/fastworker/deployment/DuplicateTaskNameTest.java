package io.fastworker.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The build fails on two methods with one task name, naming the class, the method and the problem. */
class DuplicateTaskNameTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = BadTasks.failing(new Class<?>[] {BadTasks.First.class, BadTasks.Second.class},
            "task name 'twice' is declared twice",
            "BadTasks$First.first()",
            "BadTasks$Second.second()");

    @Test
    void theBuildFails() {
        fail("the build should have failed");
    }
}
