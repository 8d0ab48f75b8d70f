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
            "not_accepting");

    @Inject
    MeterRegistry registry;

    @Inject
    FastWorkerConfig config;

    /** Meters by name and tag values: looking a meter up in the registry on every task costs more than the count. */
    private final Map<String, Object> meters = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    private <M> M meter(String key, Supplier<M> create) {
        Object m = meters.get(key);
        if (m == null) {
            m = meters.computeIfAbsent(key, k -> create.get());
        }
        return (M) m;
    }

    /** Registers the control plane's counters at zero: per task for {@code tasks}, and every rejection reason. */
    public void controlPlaneCounters(Collection<String> tasks) {
        REJECT_REASONS.forEach(reason -> rejected(reason, 0));
        tasks.forEach(this::taskCounters);
    }

    /** Registers the per-task counters of one task at zero (e.g. a task a subworker announced). */
    public void taskCounters(String task) {
        submittedCounter(task);
        cancelledCounter(task);
        retriesCounter(task);
        redeliveriesCounter(task);
        completedCounter(task, "success");
        completedCounter(task, "failure");
    }

    /** Registers the executor meters of this process at zero. */
    public void workerMeters(String workerId, Collection<String> tasks, Supplier<Number> inFlight) {
        Gauge.builder("fastworker.worker.in_flight", inFlight).description("Task attempts running in this process")
                .tag("worker", workerId).register(registry);
        for (String task : tasks) {
            workerCompleted(workerId, task, "success");
            workerCompleted(workerId, task, "failure");
        }
    }

    public void submitted(String task) {
        submittedCounter(task).increment();
    }

    public void dispatched(String task, String executorKind) {
        this.<Counter>meter("dispatched|" + task + "|" + executorKind, () -> Counter
                .builder("fastworker.tasks.dispatched").description("Attempts handed to an executor")
                .tag("task", task).tag("executor", executorKind).register(registry)).increment();
    }

    /** A task reached success or failure; {@code ran} is the execution time of its last attempt. */
    public void completed(String task, boolean success, Duration ran) {
        completedCounter(task, success ? "success" : "failure").increment();
        if (ran != null) {
            durationTimer("duration|" + task, "fastworker.tasks.duration",
                    "Execution time of a task's last attempt", "task", task).record(ran);
        }
    }

    /** One attempt ended in this process; {@code status} is success or the failure type. */
    public void attemptEnded(String workerId, String task, String status, Duration ran) {
        workerCompleted(workerId, task, "success".equals(status) ? "success" : "failure").increment();
        durationTimer("wduration|" + workerId + "|" + task, "fastworker.worker.duration",
                "Execution time of task attempts in this process", "task", task, "worker", workerId).record(ran);
    }

    public void cancelled(String task) {
        cancelledCounter(task).increment();
    }

    public void retried(String task) {
        retriesCounter(task).increment();
    }

    public void redelivered(String task) {
        redeliveriesCounter(task).increment();
    }

    public void rejected(String reason, int count) {
        counter("fastworker.tasks.rejected", "Submissions refused", "reason", reason).increment(count);
    }

    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    private Counter submittedCounter(String task) {
        return counter("fastworker.tasks.submitted", "Tasks accepted", "task", task);
    }

    private Counter cancelledCounter(String task) {
        return counter("fastworker.tasks.cancelled", "Tasks cancelled before they ran", "task", task);
    }

    private Counter retriesCounter(String task) {
        return counter("fastworker.tasks.retries", "Failed attempts followed by a retry", "task", task);
    }

    private Counter redeliveriesCounter(String task) {
        return counter("fastworker.tasks.redeliveries", "Attempts handed back by a lost or stopping subworker",
                "task", task);
    }

    private Counter completedCounter(String task, String status) {
        return this.<Counter>meter("completed|" + task + "|" + status, () -> Counter
                .builder("fastworker.tasks.completed").description("Tasks finished").tag("task", task)
                .tag("status", status).register(registry));
    }

    private Counter workerCompleted(String workerId, String task, String status) {
        return this.<Counter>meter("wcompleted|" + workerId + "|" + task + "|" + status, () -> Counter
                .builder("fastworker.worker.completed").description("Task attempts ended in this process")
                .tag("worker", workerId).tag("task", task).tag("status", status).register(registry));
    }

    private Timer durationTimer(String key, String name, String description, String... tags) {
        return meter(key, () -> Timer.builder(name).description(description).tags(tags)
                .serviceLevelObjectives(config.metrics().durationBuckets().toArray(Duration[]::new))
                .register(registry));
    }

    private Counter counter(String name, String description, String tag, String value) {
        return meter(name + "|" + value, () -> Counter.builder(name).description(description).tag(tag, value)
                .register(registry));
    }
}
