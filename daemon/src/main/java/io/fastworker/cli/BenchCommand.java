package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.TaskRequest;
import io.fastworker.client.TaskResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fastworker bench}: load generator for the benchmark harness ({@code bench/run}), driving a running control
 * plane through the Java client library and printing one JSON line of figures. Latencies are recorded in
 * HdrHistograms (microseconds). Not a test: it asserts nothing.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Load generator for bench/run: 'burndown' (N noop tasks as fast as possible, then wait) or "
                + "'steady' (a fixed rate for a duration, latency per task).")
class BenchCommand extends ClientCommand {

    /** In the steady scenario, one task in this many is also waited for by the client. */
    private static final int OBSERVE_EVERY = 20;

    /** Sender threads (and connections) of the steady scenario. */
    private static final int SENDERS = 8;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "burndown or steady")
    String scenario;

    @Option(names = "--tasks", defaultValue = "100000", description = "burndown: tasks to submit")
    int tasks;

    @Option(names = "--batch", defaultValue = "1000", description = "burndown: tasks per POST /tasks/batch (1: POST /tasks)")
    int batch;

    @Option(names = "--in-flight", defaultValue = "4", description = "burndown: concurrent HTTP requests")
    int inFlight;

    @Option(names = "--sample", defaultValue = "2000", description = "burndown: tasks whose timings are read back")
    int sample;

    @Option(names = "--rate", defaultValue = "1000", description = "steady: submissions per second")
    int rate;

    @Option(names = "--seconds", defaultValue = "30", description = "steady: how long")
    int seconds;

    @Option(names = "--task-name", defaultValue = "noop", description = "task to submit")
    String taskName;

    @Option(names = "--warmup", defaultValue = "5000",
            description = "tasks run first, unmeasured, so both JVMs are past JIT warm-up (0: none)")
    int warmup;

    @Override
    int run(ControlPlaneClient http) throws ControlPlaneClient.UnreachableException {
        FastWorkerClient client = FastWorkerClient.builder().url(http.url()).requestTimeout(Duration.ofSeconds(60))
                .openTelemetry(io.opentelemetry.api.OpenTelemetry.noop()).build(); // load, not a traced caller
        ObjectNode out = switch (scenario) {
            case "burndown" -> burndown(client, http);
            case "steady" -> steady(client, http);
            default -> null;
        };
        if (out == null) {
            err().println("Error: unknown scenario '" + scenario + "'; use burndown or steady");
            return ExitCode.USAGE;
        }
        out().println(out);
        return ExitCode.OK;
    }

    /** Runs {@code --warmup} tasks the way the scenario will (same request shape) and waits for them. */
    private void warmUp(FastWorkerClient client, ControlPlaneClient http, int perRequest)
            throws ControlPlaneClient.UnreachableException {
        long before = completed(http);
        submitAll(client, warmup, perRequest);
        while (completed(http) - before < warmup) {
            sleep(20);
        }
    }

    /** Submits {@code count} tasks, {@code perRequest} per HTTP call, {@code --in-flight} calls at a time. */
    private List<String> submitAll(FastWorkerClient client, int count, int perRequest) {
        Semaphore window = new Semaphore(Math.max(1, inFlight));
        List<String> ids = Collections.synchronizedList(new ArrayList<>(count));
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (int sent = 0; sent < count; ) {
            int n = Math.min(perRequest, count - sent);
            window.acquireUninterruptibly();
            CompletableFuture<?> call = n == 1 ? client.delayAsync(TaskRequest.of(taskName)).thenAccept(ids::add)
                    : client.delayBatchAsync(Collections.nCopies(n, TaskRequest.of(taskName))).thenAccept(ids::addAll);
            calls.add(call.whenComplete((v, e) -> {
                if (e != null) {
                    errors.add(e);
                }
                window.release();
            }));
            sent += n;
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        if (!errors.isEmpty()) {
            throw new IllegalStateException(errors.size() + " submissions failed, first: " + errors.peek());
        }
        return ids;
    }

    private ObjectNode burndown(FastWorkerClient client, ControlPlaneClient http)
            throws ControlPlaneClient.UnreachableException {
        warmUp(client, http, batch);
        long before = completed(http);
        long t0 = System.nanoTime();
        List<String> ids = submitAll(client, tasks, batch);
        double submitSeconds = (System.nanoTime() - t0) / 1e9;
        while (completed(http) - before < tasks) {
            sleep(20);
        }
        double doneSeconds = (System.nanoTime() - t0) / 1e9;

        Histogram toStart = histogram();
        Histogram toResult = histogram();
        int step = Math.max(1, ids.size() / Math.max(1, sample));
        for (int i = 0; i < ids.size(); i += step) {
            TaskResult r = client.result(ids.get(i));
            if (r.startedAt() != null && r.finishedAt() != null) {
                toStart.recordValue(micros(r.submittedAt(), r.startedAt()));
                toResult.recordValue(micros(r.submittedAt(), r.finishedAt()));
            }
        }
        ObjectNode out = ControlPlaneClient.JSON.createObjectNode();
        out.put("scenario", "burndown").put("tasks", tasks).put("batch", batch).put("warmup", warmup)
                .put("submitSeconds", submitSeconds).put("doneSeconds", doneSeconds)
                .put("submitRate", tasks / submitSeconds).put("completionRate", tasks / doneSeconds)
                .put("latencyBasis", "accepted by the control plane (sampled " + toStart.getTotalCount() + ")");
        out.set("submitToStart", summary(toStart));
        out.set("submitToResult", summary(toResult));
        return out;
    }

    private ObjectNode steady(FastWorkerClient client, ControlPlaneClient http)
            throws ControlPlaneClient.UnreachableException {
        warmUp(client, http, 1);
        long before = completed(http);
        Histogram toAccepted = histogram();
        Histogram toStart = histogram();
        Histogram toFinish = histogram();
        Histogram toResult = histogram();
        AtomicInteger failed = new AtomicInteger();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        int total = rate * seconds;
        String[] ids = new String[total];
        Instant[] sentAt = new Instant[total];
        List<CompletableFuture<?>> pending = new ArrayList<>(total);
        // A few connections, each used by one sender thread at a time: an unbounded number of concurrent async
        // calls makes the JDK client open a connection per call once it falls behind, and then it never recovers.
        java.util.concurrent.ExecutorService senders = java.util.concurrent.Executors.newFixedThreadPool(SENDERS);
        java.util.concurrent.ExecutorService waiters = java.util.concurrent.Executors.newFixedThreadPool(SENDERS);
        long intervalNanos = 1_000_000_000L / rate;
        Instant wallStart = Instant.now();
        long t0 = System.nanoTime();
        for (int i = 0; i < total; i++) {
            long wait = t0 + i * intervalNanos - System.nanoTime();
            if (wait > 0) {
                sleepNanos(wait);
            }
            int n = i;
            // Latency counts from when the task was due to be sent, so a late sender does not hide delay.
            sentAt[n] = wallStart.plusNanos(n * intervalNanos);
            long dueNanos = t0 + n * intervalNanos;
            CompletableFuture<?> call = CompletableFuture.runAsync(() -> ids[n] = client.delay(TaskRequest.of(taskName)),
                    senders);
            if (n % OBSERVE_EVERY == 0) {
                // A sample also waits for its result as a caller would (long poll), to time what a caller sees.
                call = call.thenRunAsync(() -> {
                    client.result(ids[n], Duration.ofSeconds(30));
                    synchronized (toResult) {
                        toResult.recordValue((System.nanoTime() - dueNanos) / 1000);
                    }
                }, waiters);
            }
            pending.add(call.whenComplete((v, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                    errors.add(e);
                }
            }));
        }
        double sendSeconds = (System.nanoTime() - t0) / 1e9;
        CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        senders.shutdown();
        waiters.shutdown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (completed(http) - before < total - failed.get() && System.nanoTime() < deadline) {
            sleep(20);
        }
        // Timings from the control plane's own clock (same machine): when each attempt started and ended.
        Semaphore window = new Semaphore(16);
        List<CompletableFuture<?>> reads = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            if (ids[i] == null) {
                continue;
            }
            int n = i;
            window.acquireUninterruptibly();
            reads.add(client.resultAsync(ids[n], Duration.ZERO).whenComplete((r, e) -> {
                window.release();
                if (r != null && r.startedAt() != null && r.finishedAt() != null) {
                    synchronized (toStart) {
                        toAccepted.recordValue(micros(sentAt[n], r.submittedAt()));
                        toStart.recordValue(micros(sentAt[n], r.startedAt()));
                        toFinish.recordValue(micros(sentAt[n], r.finishedAt()));
                    }
                }
            }));
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        ObjectNode out = ControlPlaneClient.JSON.createObjectNode();
        out.put("scenario", "steady").put("tasks", total).put("warmup", warmup).put("targetRate", rate)
                .put("seconds", seconds).put("achievedRate", total / sendSeconds).put("failed", failed.get())
                .put("latencyBasis", "from the client's send time; start and finish on the control plane's clock; "
                        + "result as seen by the client for 1 task in " + OBSERVE_EVERY);
        if (!errors.isEmpty()) {
            out.put("firstError", String.valueOf(errors.peek()));
        }
        out.set("submitToAccepted", summary(toAccepted));
        out.set("submitToStart", summary(toStart));
        out.set("submitToFinish", summary(toFinish));
        out.set("submitToResult", summary(toResult));
        return out;
    }

    private static long completed(ControlPlaneClient http) throws ControlPlaneClient.UnreachableException {
        ControlPlaneClient.Reply r = http.get("/workers");
        long sum = 0;
        for (JsonNode w : r.body()) {
            sum += w.path("completed").asLong();
        }
        return sum;
    }

    private static Histogram histogram() {
        return new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    }

    private static long micros(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toNanos() / 1000);
    }

    private static ObjectNode summary(Histogram h) {
        ObjectNode o = ControlPlaneClient.JSON.createObjectNode();
        o.put("count", h.getTotalCount());
        o.put("p50Ms", h.getValueAtPercentile(50) / 1000.0);
        o.put("p90Ms", h.getValueAtPercentile(90) / 1000.0);
        o.put("p99Ms", h.getValueAtPercentile(99) / 1000.0);
        o.put("maxMs", h.getMaxValue() / 1000.0);
        return o;
    }

    private static void sleep(long ms) {
        sleepNanos(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private static void sleepNanos(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
