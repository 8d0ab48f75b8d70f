package io.fastworker.telemetry;

import io.fastworker.task.Priority;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The control plane's recent activity, one sample a second: tasks submitted, finished (by status) and retried in
 * that second, and the ready queue's depth per priority at its end. What the dashboard's overview draws.
 *
 * <p>Guarantees: the last {@link #KEPT} samples (ten minutes) are kept, in a fixed array, however long the control
 * plane runs; taking a sample reads a few counters and never blocks the event loop it runs on.
 */
@ApplicationScoped
public class Activity {

    /** Samples kept: ten minutes of one a second. */
    public static final int KEPT = 600;

    /** One second of activity, ending at {@code at} (epoch milliseconds). */
    @RegisterForReflection
    public record Sample(long at, long submitted, long succeeded, long failed, long cancelled, long retried,
            Map<String, Integer> queued) {
    }

    @Inject
    TaskMetrics metrics;

    @Inject
    Vertx vertx;

    private final Sample[] ring = new Sample[KEPT];
    private long taken;
    private TaskMetrics.Totals last;
    private long timer = -1;
    private ToIntFunction<Priority> depth;

    /** Samples every second from now on; {@code depth} is the ready queue's depth of a priority. */
    public void start(ToIntFunction<Priority> depth) {
        this.depth = depth;
        synchronized (ring) {
            last = metrics.totals();
        }
        timer = vertx.setPeriodic(1000, id -> sample());
    }

    public void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    /** The kept samples taken after {@code afterMillis} (epoch), oldest first. */
    public List<Sample> since(long afterMillis) {
        synchronized (ring) {
            int n = (int) Math.min(taken, KEPT);
            List<Sample> out = new ArrayList<>(n);
            for (long i = taken - n; i < taken; i++) {
                Sample s = ring[(int) (i % KEPT)];
                if (s.at() > afterMillis) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    private void sample() {
        Map<String, Integer> queued = new LinkedHashMap<>();
        for (Priority p : Priority.values()) {
            queued.put(p.wireName(), depth.applyAsInt(p));
        }
        TaskMetrics.Totals now = metrics.totals();
        synchronized (ring) {
            ring[(int) (taken % KEPT)] = new Sample(System.currentTimeMillis(), now.submitted() - last.submitted(),
                    now.succeeded() - last.succeeded(), now.failed() - last.failed(),
                    now.cancelled() - last.cancelled(), now.retried() - last.retried(),
                    Collections.unmodifiableMap(queued));
            taken++;
            last = now;
        }
    }
}
