package io.fastworker.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The build fails on a task method that is not public, naming the class, the method and the problem. */
class PrivateTaskMethodTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = BadTasks.failing(new Class<?>[] {BadTasks.Hidden.class},
            "@Task method io.fastworker.deployment.BadTasks$Hidden.hidden(java.lang.String) must be public");

    @Test
    void theBuildFails() {
        fail("the build should have failed");
    }
}
