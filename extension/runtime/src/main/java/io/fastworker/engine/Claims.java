package io.fastworker.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Idempotency keys and client-chosen task ids within the idempotency window. Guarantees: a key gives back the task it
 * first created, or refuses another request, for the window; an id stays taken for the window; what one call
 * claims is claimed whole or not at all; at most {@code fastworker.idempotency.max-keys} claims taking at most
 * {@code max-bytes} are held (past it a submission that needs a new claim is refused with nothing accepted, until
 * claims expire). Claims restored after a restart are kept whatever the bounds.
 */
final class Claims {

    /** A claim apart from its strings: the map entry, the record, the boxed times. */
    private static final long OVERHEAD = 160;

    private final int maxCount;
    private final long maxBytes;
    private final Map<String, Claim> byKey = new HashMap<>();
    /** Keys whose submission is not recorded yet: what completes when it is (or fails when it is not). */
    private final Map<String, CompletableFuture<Void>> unrecorded = new HashMap<>();
    private long bytes;

    Claims(int maxCount, long maxBytes) {
        this.maxCount = maxCount;
        this.maxBytes = maxBytes;
    }

    private static long footprint(String key, Claim c) {
        return OVERHEAD + 2L * (key.length() + c.taskId().length() + c.task().length()
                + (c.fingerprint() == null ? 0 : c.fingerprint().length()));
    }

    /**
     * Answers the submissions whose idempotency key was seen with the same request (in {@code answers}), refuses a
     * key seen with another request or a client-chosen id already taken, and claims keys and ids for the rest (in
     * {@code fresh}); returns what it claimed, to be released if the submission fails. A key whose first
     * submission is not recorded yet adds that submission's {@code recorded} to {@code firsts}: its answer holds only
     * once that completes. The claims made here are {@code recorded} until {@link #settle} or {@link #release}.
     *
     * @throws IdempotencyConflictException a key seen with another request
     * @throws DuplicateTaskIdException a client-chosen id already taken
     * @throws QueueFullException the claims this call needs do not fit the bounds
     */
    synchronized List<String> claim(List<Submission> submissions, Accepted[] answers, List<Submission> fresh,
            long nowMillis, long windowMillis, Function<String, TaskView> find, CompletableFuture<Void> recorded,
            List<CompletableFuture<Void>> firsts) {
        long expires = nowMillis + windowMillis;
        List<String> claimed = new ArrayList<>();
        long wantedBytes = 0;
        try {
            for (int i = 0; i < answers.length; i++) {
                Submission sub = submissions.get(i);
                TaskSpec spec = sub.spec();
                if (sub.idempotencyKey() != null) {
                    Claim c = unexpired(Claim.ofKey(sub.idempotencyKey()), nowMillis);
                    if (c != null) {
                        if (!c.fingerprint().equals(sub.fingerprint())) {
                            throw new IdempotencyConflictException(sub.idempotencyKey(), c.taskId(), c.task());
                        }
                        answers[i] = new Accepted(c.taskId(), c.task(), find.apply(c.taskId()), true);
                        CompletableFuture<Void> first = unrecorded.get(Claim.ofKey(sub.idempotencyKey()));
                        if (first != null && first != recorded) { // not a repeat within this very call
                            firsts.add(first);
                        }
                        continue;
                    }
                }
                if (sub.clientChosenId()) {
                    if (unexpired(Claim.ofId(spec.id()), nowMillis) != null) {
                        throw new DuplicateTaskIdException(spec.id());
                    }
                    wantedBytes += put(Claim.ofId(spec.id()), new Claim(spec.id(), spec.name(), null, expires));
                    claimed.add(Claim.ofId(spec.id()));
                }
                if (sub.idempotencyKey() != null) {
                    wantedBytes += put(Claim.ofKey(sub.idempotencyKey()),
                            new Claim(spec.id(), spec.name(), sub.fingerprint(), expires));
                    claimed.add(Claim.ofKey(sub.idempotencyKey()));
                    unrecorded.put(Claim.ofKey(sub.idempotencyKey()), recorded);
                }
                fresh.add(sub);
            }
            if (!claimed.isEmpty() && (byKey.size() > maxCount || bytes > maxBytes)) {
                throw byKey.size() > maxCount ? QueueFullException.ofClaims(maxCount, claimed.size())
                        : QueueFullException.ofClaimBytes(maxBytes, bytes - wantedBytes, claimed.size());
            }
        } catch (RuntimeException e) {
            claimed.forEach(this::release);
            throw e;
        }
        return claimed;
    }

    private long put(String key, Claim c) {
        long size = footprint(key, c);
        Claim old = byKey.put(key, c);
        bytes += size - (old == null ? 0 : footprint(key, old));
        return size;
    }

    /** The claims {@code keys} of a submission that is recorded now: its repeats are answered as they come. */
    synchronized void settle(List<String> keys) {
        keys.forEach(unrecorded::remove);
    }

    /** Releases a claim of a submission that was not accepted after all. */
    synchronized void release(String key) {
        unrecorded.remove(key);
        Claim old = byKey.remove(key);
        if (old != null) {
            bytes -= footprint(key, old);
        }
    }

    /** Holds a claim of an accepted task (or one a snapshot kept), whatever the bounds. */
    synchronized void keep(String key, Claim c) {
        put(key, c);
    }

    private Claim unexpired(String key, long nowMillis) {
        Claim c = byKey.get(key);
        return c != null && c.expiresAtMillis() > nowMillis ? c : null;
    }

    /** Forgets the claims whose window has passed. */
    synchronized void sweep(long nowMillis) {
        byKey.entrySet().removeIf(e -> {
            if (e.getValue().expiresAtMillis() <= nowMillis) {
                bytes -= footprint(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
    }

    /** Every claim still within its window (for a snapshot of the task store). */
    synchronized void forEachUnexpired(long nowMillis, BiConsumer<String, Claim> action) {
        byKey.forEach((key, c) -> {
            if (c.expiresAtMillis() > nowMillis) {
                action.accept(key, c);
            }
        });
    }

    synchronized int size() {
        return byKey.size();
    }

    synchronized long bytes() {
        return bytes;
    }
}
