package io.fastworker.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.TaskRequest;
import io.fastworker.client.TaskResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The load generator of the benchmark harness ({@code bench/run}): drives a running control plane through the Java
 * client library and prints one JSON line of figures. Latencies are recorded in HdrHistograms (microseconds). Not a
 * test: it asserts nothing.
 */
@Command(name = "fastworker-bench", mixinStandardHelpOptions = true,
        description = "Load generator for bench/run: 'burndown' (N noop tasks as fast as possible, then wait) or "
                + "'steady' (a fixed rate for a duration, latency per task).")
public class LoadGenerator implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Held so that the JDK HTTP client's debug loggers stay quiet (they format a message per request). */
    private static final List<Logger> QUIET = java.util.stream.Stream.of("jdk.internal.httpclient.debug",
            "jdk.internal.httpclient.hpack.debug", "jdk.httpclient.HttpClient").map(Logger::getLogger).toList();

    public static void main(String... args) {
        QUIET.forEach(l -> l.setLevel(Level.WARNING));
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the control plane")
    String url;

    /** In the steady scenario, one task in this many is also waited for by the client. */
    private static final int OBSERVE_EVERY = 20;

    @Parameters(index = "0", paramLabel = "SCENARIO", description = "burndown or steady")
    String scenario;

    @Option(names = "--tasks", defaultValue = "100000", description = "burndown: tasks to submit")
    int tasks;

    @Option(names = "--batch", defaultValue = "1000",
            description = "burndown: tasks per POST /tasks/batch (1: POST /tasks)")
    int batch;

    @Option(names = "--in-flight", defaultValue = "4", description = "burndown: concurrent HTTP requests")
    int inFlight;

    @Option(names = "--sample", defaultValue = "2000", description = "burndown: tasks whose timings are read back")
    int sample;

    @Option(names = "--rate", defaultValue = "1000", description = "steady: submissions per second")
    int rate;

    @Option(names = "--seconds", defaultValue = "30", description = "steady: how long")
    int seconds;

    @Option(names = "--senders", defaultValue = "32",
            description = "steady: sender threads, each with its own keep-alive connection, each sending every "
                    + "n-th task when it falls due")
    int senders;

    @Option(names = "--task-name", defaultValue = "noop", description = "task to submit")
    String taskName;

    @Option(names = "--warmup", defaultValue = "5000",
            description = "tasks run first, unmeasured, so both JVMs are past JIT warm-up (0: none)")
    int warmup;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Override
    public Integer call() {
        FastWorkerClient client = FastWorkerClient.builder().url(url).requestTimeout(Duration.ofSeconds(60))
                .openTelemetry(io.opentelemetry.api.OpenTelemetry.noop()).build(); // load, not a traced caller
        ObjectNode out = switch (scenario) {
            case "burndown" -> burndown(client);
            case "steady" -> steady(client);
            default -> null;
        };
        if (out == null) {
            System.err.println("Error: unknown scenario '" + scenario + "'; use burndown or steady");
            return 2;
        }
        System.out.println(out);
        return 0;
    }

    private static final int WARMUP_ROUND = 20_000;

    /** Runs {@code --warmup} tasks the way the scenario will (same request shape) and waits for them. */
    private void warmUp(FastWorkerClient client, int perRequest) {
        // In rounds, so that a long warm-up does not pile up a backlog (and a heap) the measured run never has.
        for (int left = warmup; left > 0;) {
            int round = Math.min(left, WARMUP_ROUND);
            long before = completed();
            submitAll(client, round, perRequest);
            while (completed() - before < round) {
                sleep(20);
            }
            left -= round;
        }
    }

    /** Submits {@code count} tasks, {@code perRequest} per HTTP call, {@code --in-flight} calls at a time. */
    private List<String> submitAll(FastWorkerClient client, int count, int perRequest) {
        Semaphore window = new Semaphore(Math.max(1, inFlight));
        List<String> ids = Collections.synchronizedList(new ArrayList<>(count));
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<?>> calls = new ArrayList<>();
        for (int sent = 0; sent < count;) {
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

    private ObjectNode burndown(FastWorkerClient client) {
        warmUp(client, batch);
        long before = completed();
        long t0 = System.nanoTime();
        List<String> ids = submitAll(client, tasks, batch);
        double submitSeconds = (System.nanoTime() - t0) / 1e9;
        while (completed() - before < tasks) {
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
        ObjectNode out = JSON.createObjectNode();
        out.put("scenario", "burndown").put("tasks", tasks).put("batch", batch).put("warmup", warmup)
                .put("submitSeconds", submitSeconds).put("doneSeconds", doneSeconds)
                .put("submitRate", tasks / submitSeconds).put("completionRate", tasks / doneSeconds)
                .put("latencyBasis", "accepted by the control plane (sampled " + toStart.getTotalCount() + ")");
        out.set("submitToStart", summary(toStart));
        out.set("submitToResult", summary(toResult));
        return out;
    }

    private ObjectNode steady(FastWorkerClient client) {
        warmUp(client, 1);
        long before = completed();
        Histogram toAccepted = histogram();
        Histogram toStart = histogram();
        Histogram toFinish = histogram();
        Histogram toResult = histogram();
        int total = rate * seconds;
        Instant[] sentAt = new Instant[total];
        java.util.concurrent.ExecutorService waiters = java.util.concurrent.Executors.newFixedThreadPool(8);
        List<CompletableFuture<?>> observed = Collections.synchronizedList(new ArrayList<>());
        long intervalNanos = 1_000_000_000L / rate;
        Instant wallStart = Instant.now();
        long t0 = System.nanoTime();
        for (int n = 0; n < total; n++) {
            // Latency counts from when the task was due to be sent, so a late sender does not hide delay.
            sentAt[n] = wallStart.plusNanos(n * intervalNanos);
        }
        PacedSender.Sent sent;
        try {
            sent = new PacedSender(url, "{\"task\":" + JSON.valueToTree(taskName) + "}").run(rate, total, senders,
                    t0, (n, id) -> {
                        if (n % OBSERVE_EVERY == 0) {
                            // A sample also waits for its result as a caller would (long poll): what a caller sees.
                            long dueNanos = t0 + n * intervalNanos;
                            observed.add(CompletableFuture.runAsync(() -> {
                                client.result(id, Duration.ofSeconds(30));
                                synchronized (toResult) {
                                    toResult.recordValue((System.nanoTime() - dueNanos) / 1000);
                                }
                            }, waiters));
                        }
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        String[] ids = sent.ids();
        double sendSeconds = sent.seconds();
        CompletableFuture.allOf(observed.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        waiters.shutdown();
        AtomicInteger failed = new AtomicInteger(sent.failed());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (completed() - before < total - failed.get() && System.nanoTime() < deadline) {
            sleep(20);
        }
        // Timings from the control plane's own clock (same machine): when each attempt started and ended.
        Semaphore window = new Semaphore(16);
        long[] startMicros = new long[total];
        java.util.Arrays.fill(startMicros, -1);
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
                        startMicros[n] = micros(sentAt[n], r.startedAt());
                        toStart.recordValue(startMicros[n]);
                        toFinish.recordValue(micros(sentAt[n], r.finishedAt()));
                    }
                }
            }));
        }
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).exceptionally(e -> null).join();
        ObjectNode out = JSON.createObjectNode();
        out.put("scenario", "steady").put("tasks", total).put("warmup", warmup).put("targetRate", rate)
                .put("seconds", seconds).put("achievedRate", total / sendSeconds).put("failed", failed.get())
                .put("latencyBasis",
                        "from each task's due time on the schedule; start and finish on the control plane's clock; "
                                + "result as seen by the client for 1 task in " + OBSERVE_EVERY);
        if (sent.firstError() != null) {
            out.put("firstError", sent.firstError());
        }
        out.put("senders", senders);
        out.set("senderLag", summary(sent.lagMicros()));
        out.set("submitToAccepted", summary(toAccepted));
        out.set("submitToStart", summary(toStart));
        out.set("submitToFinish", summary(toFinish));
        out.set("submitToResult", summary(toResult));
        // For a latency CDF (bench/charts.py): at most 10,000 of the submit->start latencies, evenly spaced in order.
        long[] sorted = java.util.Arrays.stream(startMicros).filter(v -> v >= 0).sorted().toArray();
        var samples = out.putArray("startSamplesMs");
        int step = Math.max(1, sorted.length / 10_000);
        for (int i = 0; i < sorted.length; i += step) {
            samples.add(sorted[i] / 1000.0);
        }
        return out;
    }

    /** Attempts every executor has completed, from {@code GET /workers}. */
    private long completed() {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url + "/workers"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            long sum = 0;
            for (JsonNode w : JSON.readTree(r.body())) {
                sum += w.path("completed").asLong();
            }
            return sum;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + url + "/workers: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Histogram histogram() {
        return new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    }

    private static long micros(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toNanos() / 1000);
    }

    private static ObjectNode summary(Histogram h) {
        ObjectNode o = JSON.createObjectNode();
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
