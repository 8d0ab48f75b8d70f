package io.fastworker.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Every FastWorker setting. Each key {@code fastworker.a.b} can also be given as the environment variable
 * {@code FASTWORKER_A_B}; a command-line flag beats the environment, which beats {@code application.properties},
 * which beats the default shown here. Out-of-range values stop start-up with a message naming the property
 * (checked by {@code ConfigChecks}); they are never clamped. The settings of one concern are declared in its part:
 * {@link ControlPlaneSettings}, {@link LinkSettings}, {@link ApiSettings}, {@link TaskSettings}; their groups are
 * reached as members of this mapping all the same ({@code FastWorkerConfig.Link}).
 */
@ConfigMapping(prefix = "fastworker")
public interface FastWorkerConfig extends ControlPlaneSettings, LinkSettings, ApiSettings, TaskSettings {

    /** How many task bodies this process runs at the same time (blocking bodies included). */
    @WithDefault("8")
    @Check.Bounds(min = 1, max = 10_000)
    int concurrency();

    /**
     * Identity of this process in task results and in {@code GET /workers}; defaults to {@code control-plane} for
     * the control plane and to host name plus process id for a subworker (a Kubernetes pod name works).
     */
    Optional<String> workerId();

    /** The role this process runs, set by {@code --role}: {@code control-plane} or {@code subworker}. */
    @WithDefault("control-plane")
    @WithConverter(RoleConverter.class)
    Role role();

    /** What {@code /q/health} reports. */
    Health health();

    interface Health {
        /**
         * A port of its own for the probes ({@code GET /q/health}, {@code /q/health/live}, {@code /ready},
         * {@code /started}), beside the API's: they then answer even while every API connection is taken
         * ({@code quarkus.http.limits.max-connections}). Unset, probes use the API's port only.
         */
        @Check.Bounds(min = 0, max = 65535)
        java.util.OptionalInt port();

        /**
         * How long a thread the control plane needs (dispatch, the journal's writer, the timers, compaction) may go
         * without progress while it has work before liveness goes DOWN (a thread that died takes it DOWN at once).
         */
        @WithDefault("PT30S")
        @Check.Span(max = "PT1H")
        Duration stallTimeout();
    }

    /** What the daemon writes to its log. */
    Log log();

    /** The {@code fastworker.*} meters. */
    Metrics metrics();

    interface Log {
        /**
         * Whether the control plane's log lines about failed attempts carry the failure message. Off by default:
         * messages often echo task arguments (an e-mail address, a card number); the error type and exception
         * class are always logged, and the message is always in {@code GET /tasks/{id}}.
         */
        @WithDefault("false")
        boolean taskErrorMessages();
    }

    interface Metrics {
        /**
         * Upper bounds of the buckets of the {@code fastworker.tasks.duration} and
         * {@code fastworker.worker.duration} histograms (comma-separated durations, ascending).
         */
        @WithDefault("PT0.005S,PT0.01S,PT0.025S,PT0.05S,PT0.1S,PT0.25S,PT0.5S,PT1S,PT2.5S,PT5S,PT10S,PT30S,PT1M,"
                + "PT5M,PT15M,PT1H")
        java.util.List<Duration> durationBuckets();
    }
}
