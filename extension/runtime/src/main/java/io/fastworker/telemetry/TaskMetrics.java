package io.fastworker.telemetry;

import io.fastworker.config.FastWorkerConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * FastWorker's metrics, served at {@code /q/metrics} (Prometheus names in brackets).
 *
 * <p>Control plane: {@code fastworker.tasks.submitted} [fastworker_tasks_submitted_total],
 * {@code fastworker.tasks.dispatched} (tag {@code executor} = local | subworker), {@code fastworker.tasks.completed}
 * (tag {@code status} = success | failure), {@code fastworker.tasks.cancelled}, {@code fastworker.tasks.retries},
 * {@code fastworker.tasks.redeliveries}, {@code fastworker.tasks.rejected} (tag {@code reason}, one of
 * {@link #REJECT_REASONS}), {@code fastworker.tasks.duration} (histogram of the last attempt's execution time),
 * {@code fastworker.workers.active} (connected subworkers) and {@code fastworker.queue.depth} (tag
 * {@code priority}).
 *
 * <p>Every process that runs task bodies (a subworker, or the control plane running tasks itself), tagged with its
 * {@code worker} id: {@code fastworker.worker.completed} (attempts ended, tag {@code status} = success | failure),
 * {@code fastworker.worker.duration} (histogram) and {@code fastworker.worker.in_flight}.
 *
 * <p>Counters exist at zero from start-up for every known task and every rejection reason, so that alerts on
 * {@code rate()} work before the first event. Task-level meters carry the task name, never arguments. Histogram
 * buckets are {@code fastworker.metrics.duration-buckets}.
 */
@ApplicationScoped
public class TaskMetrics {

    /** Why a submission is refused, as counted in {@code fastworker.tasks.rejected}. */
    public static final List<String> REJECT_REASONS = List.of("queue_full", "unknown_task", "bad_arguments",
            "invalid_request", "malformed_json", "body_too_large", "unsupported_media_type", "duplicate_id",
            "not_accepting", "idempotency_conflict", "queue_bytes", "idempotency_keys", "idempotency_bytes");

    /** Why an API request is refused before it is looked at, as counted in {@code fastworker.api.refused}. */
    public static final List<String> REFUSAL_REASONS = List.of("unauthenticated", "forbidden");

    @Inject
    MeterRegistry registry;

    @Inject
    FastWorkerConfig.Metrics metricsSettings;

    /** This process's worker id, once it runs task bodies ({@link #workerMeters}). */
    private volatile String workerId;
    /** The meters of each task, looked up once per event: by task name, not by a key built per call. */
    private final Map<String, Meters> byTask = new ConcurrentHashMap<>();
    private final Map<String, WorkerMeters> byWorkerTask = new ConcurrentHashMap<>();
    private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();
    private final java.util.Map<String, Counter> callbacks = new java.util.concurrent.ConcurrentHashMap<>();

    /** Every meter of one task, registered on first use. */
    private final class Meters {
        final Counter submitted;
        final Counter cancelled;
        final Counter retries;
        final Counter redeliveries;
        final Counter success;
        final Counter failure;
        final Timer duration;
        private volatile Counter dispatchedLocal;
        private volatile Counter dispatchedSubworker;
        private final String task;

        Meters(String task) {
            this.task = task;
            submitted = counter("fastworker.tasks.submitted", "Tasks accepted");
            cancelled = counter("fastworker.tasks.cancelled", "Tasks cancelled, before or while they ran");
            retries = counter("fastworker.tasks.retries", "Failed attempts followed by a retry");
            redeliveries = counter("fastworker.tasks.redeliveries",
                    "Attempts handed back by a lost or stopping subworker");
            success = completed("success");
            failure = completed("failure");
            duration = timer("fastworker.tasks.duration", "Execution time of a task's last attempt", "task", task);
        }

        private Counter counter(String name, String description) {
            return Counter.builder(name).description(description).tag("task", task).register(registry);
        }

        private Counter completed(String status) {
            return Counter.builder("fastworker.tasks.completed").description("Tasks finished").tag("task", task)
                    .tag("status", status).register(registry);
        }

        Counter dispatched(String kind) {
            Counter c = "local".equals(kind) ? dispatchedLocal : dispatchedSubworker;
            if (c == null) {
                c = Counter.builder("fastworker.tasks.dispatched").description("Attempts handed to an executor")
                        .tag("task", task).tag("executor", kind).register(registry);
                if ("local".equals(kind)) {
                    dispatchedLocal = c;
                } else {
                    dispatchedSubworker = c;
                }
            }
            return c;
        }
    }

    /** The executor meters of one task in this process. */
    private final class WorkerMeters {
        final Counter success;
        final Counter failure;
        final Timer duration;

        WorkerMeters(String task) {
            success = completed(task, "success");
            failure = completed(task, "failure");
            duration = timer("fastworker.worker.duration", "Execution time of task attempts in this process", "task",
                    task, "worker", workerId);
        }

        private Counter completed(String task, String status) {
            return Counter.builder("fastworker.worker.completed").description("Task attempts ended in this process")
                    .tag("worker", workerId).tag("task", task).tag("status", status).register(registry);
        }
    }

    private Meters of(String task) {
        Meters m = byTask.get(task);
        return m != null ? m : byTask.computeIfAbsent(task, Meters::new);
    }

    private WorkerMeters worker(String task) {
        WorkerMeters m = byWorkerTask.get(task);
        return m != null ? m : byWorkerTask.computeIfAbsent(task, WorkerMeters::new);
    }

    private Timer timer(String name, String description, String... tags) {
        return Timer.builder(name).description(description).tags(tags)
                .serviceLevelObjectives(metricsSettings.durationBuckets().toArray(Duration[]::new))
                .register(registry);
    }

    /** Registers the control plane's counters at zero: per task for {@code tasks}, and every rejection reason. */
    public void controlPlaneCounters(Collection<String> tasks) {
        REJECT_REASONS.forEach(reason -> rejected(reason, 0));
        REFUSAL_REASONS.forEach(reason -> refused.computeIfAbsent(reason, this::refusals));
        tasks.forEach(this::taskCounters);
    }

    /** Registers the per-task counters of one task at zero (e.g. a task a subworker announced). */
    public void taskCounters(String task) {
        of(task);
    }

    /** Removes the per-task meters of a task this control plane no longer accepts (an announced name forgotten). */
    public void forgetTask(String task) {
        Meters m = byTask.remove(task);
        if (m == null) {
            return;
        }
        for (io.micrometer.core.instrument.Meter meter : java.util.Arrays.asList(m.submitted, m.cancelled, m.retries,
                m.redeliveries, m.success, m.failure, m.duration, m.dispatchedLocal, m.dispatchedSubworker)) {
            if (meter != null) {
                registry.remove(meter);
            }
        }
    }

    /** Registers the executor meters of this process at zero. */
    public void workerMeters(String worker, Collection<String> tasks, Supplier<Number> inFlight) {
        this.workerId = worker;
        Gauge.builder("fastworker.worker.in_flight", inFlight).description("Task attempts running in this process")
                .tag("worker", worker).register(registry);
        tasks.forEach(this::worker);
    }

    /** Task events since start, over every task: what the dashboard's throughput chart is drawn from. */
    public record Totals(long submitted, long succeeded, long failed, long cancelled, long retried) {
    }

    private final LongAdder submittedTotal = new LongAdder();
    private final LongAdder succeededTotal = new LongAdder();
    private final LongAdder failedTotal = new LongAdder();
    private final LongAdder cancelledTotal = new LongAdder();
    private final LongAdder retriedTotal = new LongAdder();

    public Totals totals() {
        return new Totals(submittedTotal.sum(), succeededTotal.sum(), failedTotal.sum(), cancelledTotal.sum(),
                retriedTotal.sum());
    }

    public void submitted(String task) {
        of(task).submitted.increment();
        submittedTotal.increment();
    }

    public void dispatched(String task, String executorKind) {
        of(task).dispatched(executorKind).increment();
    }

    /** A task reached success or failure; {@code ran} is the execution time of its last attempt. */
    public void completed(String task, boolean success, Duration ran) {
        Meters m = of(task);
        (success ? m.success : m.failure).increment();
        (success ? succeededTotal : failedTotal).increment();
        if (ran != null) {
            m.duration.record(ran);
        }
    }

    /** One attempt ended in this process (whose worker id {@link #workerMeters} set). */
    public void attemptEnded(String task, boolean success, long nanos) {
        WorkerMeters m = worker(task);
        (success ? m.success : m.failure).increment();
        m.duration.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void cancelled(String task) {
        of(task).cancelled.increment();
        cancelledTotal.increment();
    }

    public void retried(String task) {
        of(task).retries.increment();
        retriedTotal.increment();
    }

    public void redelivered(String task) {
        of(task).redeliveries.increment();
    }

    public void rejected(String reason, int count) {
        rejected.computeIfAbsent(reason, r -> Counter.builder("fastworker.tasks.rejected")
                .description("Submissions refused").tag("reason", r).register(registry)).increment(count);
    }

    /**
     * Counts an API request refused by authentication ({@code unauthenticated}: no or a bad key) or authorisation
     * ({@code forbidden}: the key lacks the role), in {@code fastworker.api.refused}.
     */
    public void refused(String reason) {
        refused.computeIfAbsent(reason, this::refusals).increment();
    }

    private Counter refusals(String reason) {
        return Counter.builder("fastworker.api.refused").description("API requests refused for missing or bad "
                + "credentials (unauthenticated) or a missing role (forbidden)").tag("reason", reason)
                .register(registry);
    }

    /**
     * Counts a callback delivery that ended: {@code delivered}, {@code failed} (every attempt failed or the receiver
     * refused) or {@code dropped} (too many pending), in {@code fastworker.callbacks}.
     */
    public void callback(String outcome) {
        callbacks.computeIfAbsent(outcome, o -> Counter.builder("fastworker.callbacks").description("Completion "
                + "callbacks ended, by outcome").tag("outcome", o).register(registry)).increment();
    }

    /** Records how long each sync of the task store took ({@code fastworker.store.sync.duration}). */
    public java.util.function.LongConsumer storeSyncs() {
        Timer t = Timer.builder("fastworker.store.sync.duration").description("Time to make a group of task store "
                + "records durable (one fsync)").serviceLevelObjectives(Duration.ofNanos(100_000),
                        Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
                        Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
                        Duration.ofMillis(100), Duration.ofSeconds(1))
                .register(registry);
        return nanos -> t.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }
}
