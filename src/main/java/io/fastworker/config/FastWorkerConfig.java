package io.fastworker.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Every FastWorker setting. Each key {@code fastworker.a.b} can also be given as the environment variable
 * {@code FASTWORKER_A_B}; a command-line flag beats the environment, which beats {@code application.properties},
 * which beats the default shown here. Out-of-range values stop start-up with a message naming the property
 * (checked by {@code ConfigChecks}); they are never clamped.
 */
@ConfigMapping(prefix = "fastworker")
public interface FastWorkerConfig {

    /** How many task bodies this process runs at the same time (blocking bodies included). */
    @WithDefault("8")
    int concurrency();

    /** Identity of this process in task results and in {@code GET /workers}. */
    @WithDefault("control-plane")
    String workerId();

    /** The ready queue. */
    Queue queue();

    /** Finished tasks kept for {@code GET /tasks/{id}}. */
    ResultCache resultCache();

    /** Options a task gets when neither its {@code @Task} annotation nor the submission sets them. */
    TaskDefaults taskDefaults();

    /** The HTTP task API. */
    Api api();

    /** The example tasks shipped in the binary. */
    Examples examples();

    interface Queue {
        /**
         * Most tasks the control plane holds that have not finished (queued, scheduled, waiting for a retry or
         * running). Past it a submission is refused with {@code 429} and nothing already accepted is dropped.
         */
        @WithDefault("100000")
        int capacity();
    }

    interface ResultCache {
        /** Most finished tasks kept; the least recently read or written one is dropped first. */
        @WithDefault("10000")
        int size();

        /** How long a finished task stays readable after it finished; a plain number means seconds. */
        @WithDefault("PT1H")
        Duration ttl();

        /** How often expired results are swept out of memory (reads never see an expired result). */
        @WithDefault("PT30S")
        Duration sweepInterval();
    }

    interface TaskDefaults {
        /** Retries after a failed attempt (0 = run once). */
        @WithDefault("0")
        int maxRetries();

        /** Delay before the first retry. */
        @WithDefault("PT1S")
        Duration retryDelay();

        /** Factor applied to the delay for each further retry. */
        @WithDefault("2.0")
        double retryBackoff();

        /** Upper bound of the delay between two attempts. */
        @WithDefault("PT5M")
        Duration retryBackoffMax();

        /** Longest an attempt may run before it fails with error type {@code timeout}. */
        @WithDefault("PT5M")
        Duration timeout();
    }

    interface Api {
        /** Largest request body accepted; a larger one gets {@code 413}. */
        @WithDefault("1M")
        MemorySize maxBodySize();

        /** Longest {@code ?wait=} a client may ask for; a longer one is refused with {@code 400}. */
        @WithDefault("PT5M")
        Duration maxWait();

        /** Most submissions one {@code POST /tasks/batch} may carry. */
        @WithDefault("10000")
        int maxBatchSize();

        /** Most entries {@code GET /tasks} returns. */
        @WithDefault("1000")
        int historyLimit();
    }

    interface Examples {
        /** Simulated mail latency of the {@code send_welcome_email} example task. */
        @WithDefault("PT0.005S")
        Duration welcomeEmailDelay();
    }
}
