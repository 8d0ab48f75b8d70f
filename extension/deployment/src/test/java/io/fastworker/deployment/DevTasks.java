package io.fastworker.deployment;

import io.fastworker.task.Task;
import jakarta.enterprise.context.ApplicationScoped;

/** DevUiTest's application: one task, whose body the test edits while dev mode runs. */
@ApplicationScoped
public class DevTasks {

    @Task(timeout = "3s", maxRetries = 2)
    public String greet(String name) {
        return "Hello, " + name;
    }
}
