package io.fastworker.telemetry;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * FastWorker's metrics, always served at {@code /q/metrics} (Prometheus names in brackets):
 * {@code fastworker.tasks.submitted} [fastworker_tasks_submitted_total], {@code fastworker.tasks.dispatched},
 * {@code fastworker.tasks.completed} (tag {@code status} = success | failure), {@code fastworker.tasks.cancelled},
 * {@code fastworker.tasks.retries}, {@code fastworker.tasks.redeliveries}, {@code fastworker.tasks.rejected} (tag
 * {@code reason}), {@code fastworker.tasks.duration} (histogram of execution time, tag {@code task}),
 * {@code fastworker.workers.active} (connected subworkers) and {@code fastworker.queue.depth} (tag
 * {@code priority}). Task-level meters carry the task name, never arguments.
 */
@ApplicationScoped
public class TaskMetrics {

    @Inject
    MeterRegistry registry;

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

    public void submitted(String task) {
        counter("fastworker.tasks.submitted", "Tasks accepted", "task", task).increment();
    }

    public void dispatched(String task, String executorKind) {
        this.<Counter>meter("dispatched|" + task + "|" + executorKind, () -> Counter
                .builder("fastworker.tasks.dispatched").description("Attempts handed to an executor")
                .tag("task", task).tag("executor", executorKind).register(registry)).increment();
    }

    /** A task reached success or failure; {@code ran} is the execution time of its last attempt. */
    public void completed(String task, boolean success, Duration ran) {
        String status = success ? "success" : "failure";
        this.<Counter>meter("completed|" + task + "|" + status, () -> Counter.builder("fastworker.tasks.completed")
                .description("Tasks finished").tag("task", task).tag("status", status).register(registry))
                .increment();
        if (ran != null) {
            this.<Timer>meter("duration|" + task, () -> Timer.builder("fastworker.tasks.duration")
                    .description("Execution time of a task's last attempt").tag("task", task)
                    .publishPercentileHistogram().register(registry)).record(ran);
        }
    }

    public void cancelled(String task) {
        counter("fastworker.tasks.cancelled", "Tasks cancelled before they ran", "task", task).increment();
    }

    public void retried(String task) {
        counter("fastworker.tasks.retries", "Failed attempts followed by a retry", "task", task).increment();
    }

    public void redelivered(String task) {
        counter("fastworker.tasks.redeliveries", "Attempts handed back by a lost or stopping subworker", "task",
                task).increment();
    }

    public void rejected(String reason, int count) {
        counter("fastworker.tasks.rejected", "Submissions refused", "reason", reason).increment(count);
    }

    public void gauge(String name, String description, Supplier<Number> value, String... tags) {
        Gauge.builder(name, value).description(description).tags(tags).register(registry);
    }

    private Counter counter(String name, String description, String tag, String value) {
        return meter(name + "|" + value, () -> Counter.builder(name).description(description).tag(tag, value)
                .register(registry));
    }
}
