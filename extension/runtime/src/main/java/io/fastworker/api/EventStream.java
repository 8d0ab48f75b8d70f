package io.fastworker.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.engine.TaskQueries;
import io.fastworker.engine.TaskView;
import io.fastworker.events.TaskFeed;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One client's {@code GET /events} stream: reads the feed on the client's event loop, only as fast as the client
 * takes events (one is written before the next is read), so a slow client costs its cursor and nothing more. A task's
 * end is sent only once it is committed (in a cluster, once a majority holds it), and nothing after it before it.
 */
final class EventStream {

    /** Which changes a client asked for: by task name and by id (empty: all). */
    record Filter(Set<String> tasks, Set<String> ids) {
        boolean test(TaskFeed.Event e) {
            return (tasks.isEmpty() || tasks.contains(e.task())) && (ids.isEmpty() || ids.contains(e.id()));
        }
    }

    private final MultiEmitter<? super OutboundSseEvent> emitter;
    private final TaskFeed feed;
    private final TaskQueries queries;
    private final ObjectMapper mapper;
    private final Sse sse;
    private final Context context;
    private final Filter filter;
    private final boolean withResults;
    private final Duration heartbeat;
    private final Vertx vertx;
    private final Supplier<CompletableFuture<Void>> barrier;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** A gap is expected once, first, when resuming; later it means this client fell behind. */
    private boolean resuming;
    private boolean restarted;
    private volatile boolean closed;
    private TaskFeed.Reader reader;
    private long heartbeatTimer = -1;
    private long lastSentNanos = System.nanoTime();
    /** Every change up to this feed sequence number is committed. */
    private long committedThrough;
    /** An end read before it was known committed: sent first once it is. */
    private TaskFeed.Event held;
    /** Waiting for {@link #held}'s commit: nothing is sent meanwhile. */
    private boolean waiting;

    EventStream(MultiEmitter<? super OutboundSseEvent> emitter, TaskFeed feed, TaskQueries queries, ObjectMapper mapper,
            Sse sse, Context context, Filter filter, boolean withResults, boolean restarted, Duration heartbeat,
            Vertx vertx, Supplier<CompletableFuture<Void>> barrier) {
        this.emitter = emitter;
        this.feed = feed;
        this.queries = queries;
        this.mapper = mapper;
        this.sse = sse;
        this.context = context;
        this.filter = filter;
        this.withResults = withResults;
        this.restarted = restarted;
        this.heartbeat = heartbeat;
        this.vertx = vertx;
        this.barrier = barrier;
    }

    /** Starts reading after feed sequence {@code afterSeq} (-1: from now on). */
    void start(long afterSeq) {
        resuming = afterSeq >= 0;
        reader = feed.open(afterSeq, this::wake);
        emitter.onRequest(n -> wake());
        context.runOnContext(v -> {
            if (!closed) {
                heartbeatTimer = vertx.setPeriodic(heartbeat.toMillis(), id -> beat());
            }
        });
        wake();
    }

    void close() {
        closed = true;
        TaskFeed.Reader r = reader;
        if (r != null) {
            r.close();
        }
        context.runOnContext(v -> {
            if (heartbeatTimer >= 0) {
                vertx.cancelTimer(heartbeatTimer);
            }
        });
    }

    private void wake() {
        if (!closed && scheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> drain());
        }
    }

    private void drain() {
        scheduled.set(false);
        if (waiting) {
            return;
        }
        if (restarted && emitter.requested() > 0) {
            restarted = false;
            send("gap", null, gap(null, "the control plane restarted since your last event; the changes before "
                    + "its restart are not sent again (read GET /tasks/{id} for a task's state)"));
        }
        while (!closed && emitter.requested() > 0) {
            Object next = held != null ? held : reader.next();
            held = null;
            if (next == null) {
                return;
            }
            if (next instanceof TaskFeed.Gap g) {
                boolean fellBehind = !resuming;
                resuming = false;
                send("gap", null, gap(g, fellBehind
                        ? "this stream fell more than fastworker.events.buffer changes behind and is closed; "
                                + "reconnect with Last-Event-ID, and read GET /tasks/{id} for the tasks you follow"
                        : "these changes are no longer kept (fastworker.events.buffer); read GET /tasks/{id} for "
                                + "the tasks you follow"));
                if (fellBehind) {
                    closed = true;
                    emitter.complete();
                    return;
                }
                continue;
            }
            resuming = false;
            TaskFeed.Event e = (TaskFeed.Event) next;
            if (filter.test(e)) {
                if (e.progress() == null && e.status().isTerminal() && e.seq() > committedThrough && !committed(e)) {
                    return;
                }
                send(e.progress() != null ? "progress" : "task", feed.epoch() + "." + e.seq(), describe(e));
            }
        }
    }

    /**
     * Whether every change up to {@code e} is committed; if not yet, {@code e} is held and the stream goes on once it
     * is. One wait covers every change published before it began.
     */
    private boolean committed(TaskFeed.Event e) {
        long through = feed.published();
        CompletableFuture<Void> c = barrier.get();
        if (c.isDone() && !c.isCompletedExceptionally()) {
            committedThrough = through;
            return true;
        }
        held = e;
        waiting = true;
        c.whenComplete((ok, failure) -> context.runOnContext(v -> {
            waiting = false;
            if (failure != null) {
                closed = true;
                send("gap", null, new FeedEvents.Gap(null, null, "this control plane stopped leading before its "
                        + "latest changes were committed; reconnect to the cluster, and read GET /tasks/{id} for the "
                        + "tasks you follow"));
                emitter.complete();
                return;
            }
            committedThrough = Math.max(committedThrough, through);
            wake();
        }));
        return false;
    }

    private void beat() {
        if (!closed && emitter.requested() > 0
                && System.nanoTime() - lastSentNanos >= heartbeat.toNanos() - 1_000_000) {
            lastSentNanos = System.nanoTime();
            emitter.emit(sse.newEventBuilder().comment("keep-alive").build());
        }
    }

    private void send(String name, String id, Object data) {
        OutboundSseEvent.Builder b = sse.newEventBuilder().name(name).data(json(data));
        if (id != null) {
            b.id(id);
        }
        lastSentNanos = System.nanoTime();
        emitter.emit(b.build());
    }

    private Object describe(TaskFeed.Event e) {
        if (e.progress() != null) {
            return new FeedEvents.Progress(e.id(), e.task(), e.status(), e.attempt(), e.worker(), e.at(),
                    e.progress().fraction(), e.progress().message());
        }
        TaskView v = withResults && e.status().isTerminal()
                ? queries.find(e.id()).filter(t -> t.status() == e.status()).orElse(null)
                : null;
        return new FeedEvents.Task(e.id(), e.task(), e.status(), e.attempt(), e.worker(), e.at(),
                v == null ? null : v.result(), v == null ? null : v.error());
    }

    private FeedEvents.Gap gap(TaskFeed.Gap g, String detail) {
        return g == null ? new FeedEvents.Gap(null, null, detail)
                : new FeedEvents.Gap(feed.epoch() + "." + g.first(), feed.epoch() + "." + g.last(), detail);
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
