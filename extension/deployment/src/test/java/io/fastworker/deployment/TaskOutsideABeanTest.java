package io.fastworker.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The build fails on a task method of a class that is no bean, naming the class, the method and the problem. */
class TaskOutsideABeanTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = BadTasks.failing(new Class<?>[] {BadTasks.Plain.class},
            "is declared by io.fastworker.deployment.BadTasks$Plain, which is not a CDI bean");

    @Test
    void theBuildFails() {
        fail("the build should have failed");
    }
}
