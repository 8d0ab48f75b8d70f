package io.fastworker.execution;

/**
 * Paces one attempt's progress reports: at most one per interval passes, and a report that came too soon is kept,
 * newest wins, until the interval is up ({@link #due}). So a body that reports in a tight loop costs a few messages a
 * second, and the last report before a pause is never lost. Thread-safe; times are {@code System.nanoTime()}.
 */
final class ProgressThrottle {

    /** One report. */
    record Report(double fraction, String message) {
    }

    private final long intervalNanos;
    private long lastPassed;
    private boolean passedAny;
    private Report pending;
    private boolean closed;

    ProgressThrottle(long intervalNanos) {
        if (intervalNanos <= 0) {
            throw new IllegalArgumentException("interval must be positive, got " + intervalNanos);
        }
        this.intervalNanos = intervalNanos;
    }

    /** The report to pass on now, or null when it is kept for later (or the attempt has ended). */
    synchronized Report offer(Report r, long now) {
        if (closed) {
            return null;
        }
        if (!passedAny || now - lastPassed >= intervalNanos) {
            pending = null;
            passedAny = true;
            lastPassed = now;
            return r;
        }
        pending = r;
        return null;
    }

    /** The kept report, once its interval is up; null otherwise. */
    synchronized Report due(long now) {
        if (closed || pending == null || now - lastPassed < intervalNanos) {
            return null;
        }
        Report r = pending;
        pending = null;
        lastPassed = now;
        return r;
    }

    /** The attempt ended: nothing more passes, and a kept report is dropped (the outcome supersedes it). */
    synchronized void close() {
        closed = true;
        pending = null;
    }
}
