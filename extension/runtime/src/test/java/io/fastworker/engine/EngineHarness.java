package io.fastworker.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.events.TaskFeed;
import io.fastworker.limit.Limits;
import io.fastworker.telemetry.TaskMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The engine's classes wired by hand for fast, deterministic tests: a clock the test moves, timers the test fires
 * ({@link #advance}), the real journal in a directory (or none, for the memory store), real metrics on a simple
 * registry and a placement that puts every task on one executor. Nothing runs on a thread of its own.
 */
final class EngineHarness {

    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        Instant now = T0;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** Timers that fire only when the test moves the clock past their time. */
    static final class ManualTimers extends Timers {
        record Due(Instant at, long order, Runnable action, CompletableFuture<Void> handle) {
        }

        final List<Due> pending = new ArrayList<>();
        MovableClock clock;
        long order;

        @Override
        void start() {
        }

        @Override
        Future<?> after(Duration delay, Runnable action) {
            Due d = new Due(clock.now.plus(delay), order++, action, new CompletableFuture<>());
            pending.add(d);
            return d.handle();
        }

        @Override
        void every(Duration period, Runnable action) {
        }

        @Override
        boolean running() {
            return true;
        }
    }

    final MovableClock clock = new MovableClock();
    final ManualTimers timers = new ManualTimers();
    final FastWorkerConfig config;
    final EngineState state;
    final Holdings held;
    final CommandLog log = new CommandLog();
    final TaskEngine engine = new TaskEngine();
    final Admission admission = new Admission();
    final TaskQueries queries = new TaskQueries();
    final Definitions definitions = new Definitions();
    final Recovery recovery = new Recovery();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final TaskMetrics metrics = new TaskMetrics();
    final Limits limits = new Limits();
    final TaskFeed feed = new TaskFeed();
    final ProgressReports progress = new ProgressReports();

    /** With the disk store in {@code store} (null: the memory store) and more settings as properties. */
    EngineHarness(Path store, Map<String, String> settings) throws Exception {
        Map<String, String> props = new HashMap<>(settings);
        if (store != null) {
            props.put("fastworker.store.mode", "disk");
            props.put("fastworker.store.path", store.toString());
        } else {
            props.put("fastworker.store.mode", "memory");
        }
        SmallRyeConfig c = new SmallRyeConfigBuilder().withMapping(FastWorkerConfig.class)
                .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(props, "test", 500)).build();
        config = c.getConfigMapping(FastWorkerConfig.class);
        timers.clock = clock;
        state = new EngineBeans().state(config, clock);
        held = new EngineBeans().holdings(config);
        log.store = config.store();
        log.mapper = new ObjectMapper();
        log.membership = new io.fastworker.replica.Membership(); // alone, until recordInto
        inject(metrics, "registry", registry);
        inject(metrics, "metricsSettings", config.metrics());
        inject(feed, "eventsSettings", config.events());
        java.lang.reflect.Method init = TaskFeed.class.getDeclaredMethod("init");
        init.setAccessible(true);
        init.invoke(feed);
        inject(limits, "config", config);
        engine.state = state;
        engine.log = log;
        engine.held = held;
        engine.timers = timers;
        engine.clock = clock;
        engine.observers = new ChangeObservers();
        engine.observers.metrics = metrics;
        engine.observers.feed = feed;
        engine.observers.limits = limits;
        progress.clock = clock;
        progress.feed = feed;
        engine.limits = limits;
        engine.logSettings = config.log();
        admission.state = state;
        admission.log = log;
        admission.held = held;
        admission.engine = engine;
        admission.queries = queries;
        admission.metrics = metrics;
        admission.clock = clock;
        admission.idempotencySettings = config.idempotency();
        queries.state = state;
        queries.engine = engine;
        queries.held = held;
        definitions.state = state;
        definitions.log = log;
        definitions.held = held;
        definitions.limits = limits;
        recovery.state = state;
        recovery.log = log;
        recovery.engine = engine;
        recovery.held = held;
        recovery.limits = limits;
        recovery.clock = clock;
        if (store != null) {
            recovery.recover();
        }
        admission.acceptSubmissions();
    }

    /** A cluster's log that commits an entry only when the test says so. */
    static final class HeldLog implements io.fastworker.replica.Replication {
        final List<CompletableFuture<Void>> proposed = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Every entry proposed, in order. */
        final List<byte[]> entries = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public boolean configured() {
            return true;
        }

        @Override
        public String memberId() {
            return "cp-0";
        }

        @Override
        public void start(io.fastworker.replica.Replica replica) {
        }

        @Override
        public CompletableFuture<Void> propose(byte[] entry) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            entries.add(entry);
            proposed.add(f);
            return f;
        }

        @Override
        public java.util.Optional<Leader> leader() {
            return java.util.Optional.empty();
        }

        @Override
        public long appliedIndex() {
            return entries.size() - proposed.size();
        }

        @Override
        public long term() {
            return 1;
        }

        @Override
        public String problem() {
            return null;
        }

        @Override
        public void close() {
        }

        /** Fails what was proposed so far, as a leader that lost its term does (waiting for a proposal first). */
        void fail() throws InterruptedException {
            takeProposed().forEach(f -> f.completeExceptionally(new IllegalStateException("not the leader any more")));
        }

        /** Commits what was proposed so far (waiting for the proposal of at least one entry). */
        void commit() throws InterruptedException {
            takeProposed().forEach(f -> f.complete(null));
        }

        private List<CompletableFuture<Void>> takeProposed() throws InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (proposed.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            synchronized (proposed) {
                List<CompletableFuture<Void>> now = new ArrayList<>(proposed);
                proposed.clear();
                return now;
            }
        }
    }

    /** Records into {@code cluster} from now on, as the leader of a cluster does. */
    void recordInto(HeldLog cluster) throws Exception {
        io.fastworker.replica.Membership m = new io.fastworker.replica.Membership();
        inject(m, "replication", cluster);
        log.membership = m;
        log.join(null);
    }

    /** Sets an injected field of a bean of another package, as CDI would. */
    private static void inject(Object bean, String field, Object value) throws ReflectiveOperationException {
        java.lang.reflect.Field f = bean.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(bean, value);
    }

    /** Moves the clock by {@code d}, firing every timer due by then in order. */
    void advance(Duration d) {
        Instant until = clock.now.plus(d);
        while (true) {
            ManualTimers.Due next = timers.pending.stream().filter(t -> !t.handle().isCancelled())
                    .filter(t -> !t.at().isAfter(until))
                    .min(Comparator.comparing(ManualTimers.Due::at).thenComparingLong(ManualTimers.Due::order))
                    .orElse(null);
            if (next == null) {
                break;
            }
            timers.pending.remove(next);
            if (next.at().isAfter(clock.now)) {
                clock.now = next.at();
            }
            next.action().run();
        }
        clock.now = until;
    }

    /** Starts the next queued task on executor {@code executor}; null when none is queued. */
    Assignment startNext(String executor) {
        return engine.startNext(name -> true, new TaskEngine.Placement() {
            @Override
            public String place(String task) {
                return executor;
            }

            @Override
            public void undo(String e) {
            }
        });
    }

    /** Writes what is pending and closes the store, as a stopping control plane does. */
    void stop() {
        log.close();
    }

    static <T> T join(CompletableFuture<T> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }
}
