package io.fastworker.client;

import io.vertx.core.http.HttpMethod;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A wait for a task's end: long polls of {@code GET /tasks/{id}?wait=} of at most 30 s each, until the task has ended
 * or the wait has run out, without holding a thread meanwhile.
 */
final class ResultWait {

    /** A wait without end (a wait of centuries is one, not an overflow). */
    static final Duration FOREVER = Duration.ofDays(365L * 100);
    private static final Duration SLICE = Duration.ofSeconds(30);

    private ResultWait() {
    }

    /** The task once it has ended, or as it is when {@code wait} has run out. */
    static CompletableFuture<TaskResult> until(Transport transport, String id, Duration wait, Duration requestTimeout) {
        long waitNanos = wait.isNegative() ? 0 : wait.compareTo(FOREVER) > 0 ? FOREVER.toNanos() : wait.toNanos();
        return poll(transport, id, System.nanoTime() + waitNanos, requestTimeout);
    }

    private static CompletableFuture<TaskResult> poll(Transport transport, String id, long deadline,
            Duration requestTimeout) {
        long leftMs = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        long slice = Math.min(leftMs, SLICE.toMillis());
        return transport.send(slice == 0 ? transport.calls : transport.waits, HttpMethod.GET,
                "/tasks/" + Transport.encode(id) + "?wait=" + slice + "ms", null,
                requestTimeout.plusMillis(slice), null).thenCompose(view -> {
                    TaskResult r = TaskResult.from(view);
                    if (r.done() || System.nanoTime() >= deadline) {
                        return CompletableFuture.completedFuture(r);
                    }
                    return poll(transport, id, deadline, requestTimeout);
                });
    }
}
