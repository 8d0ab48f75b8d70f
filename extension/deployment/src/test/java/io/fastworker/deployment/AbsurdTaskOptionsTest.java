package io.fastworker.deployment;

import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.QuarkusUnitTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The build fails on option values out of range, naming the class, the method and the problem, in the words a
 * submission with the same value gets (one validator: {@code TaskOptions}).
 */
class AbsurdTaskOptionsTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = BadTasks.failing(new Class<?>[] {BadTasks.Slow.class},
            "BadTasks$Slow.slow(): 'timeout' must be at most PT168H, got PT1000000H",
            "BadTasks$Slow.hasty(): 'timeout' must be at least 10 ms (PT0.01S), got PT0.0005S",
            "BadTasks$Slow.hasty(): 'retryBackoffMax' must be more than 0, got PT0S",
            "BadTasks$Slow.slow(): 'maxRetries' must be a whole number from 0 to 1000, got 5000",
            "BadTasks$Slow.slow(): 'maxConcurrency' must be from 1 to 1000000 (or 0 for no bound), got -3",
            "BadTasks$Slow.slow(): 'rateLimit': a rate is written <starts>/<s|m|h>",
            "BadTasks$Slow.slow(): cron '0 25 * * *' is not a 5-field Unix cron expression");

    @Test
    void theBuildFails() {
        fail("the build should have failed");
    }
}
