package io.fastworker.task;

import io.fastworker.queue.Priority;
import java.time.Duration;
import java.util.Objects;

/**
 * How a task is run: its priority, retry policy and per-attempt timeout. The delay before retry {@code n}
 * (1-based) is {@code min(retryDelay × retryBackoff^(n-1), retryBackoffMax)}.
 */
public record TaskOptions(Priority priority, int maxRetries, Duration retryDelay, double retryBackoff,
        Duration retryBackoffMax, Duration timeout) {

    public TaskOptions {
        Objects.requireNonNull(priority, "priority");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be 0 or more, got " + maxRetries);
        }
        requirePositive("retryDelay", retryDelay, true);
        if (!(retryBackoff >= 1.0) || Double.isInfinite(retryBackoff)) {
            throw new IllegalArgumentException("retryBackoff must be a number of at least 1.0, got " + retryBackoff);
        }
        requirePositive("retryBackoffMax", retryBackoffMax, false);
        requirePositive("timeout", timeout, false);
    }

    private static void requirePositive(String name, Duration value, boolean zeroAllowed) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || (!zeroAllowed && value.isZero())) {
            throw new IllegalArgumentException(
                    name + " must be " + (zeroAllowed ? "0 or more" : "more than 0") + ", got " + value);
        }
    }

    /** Delay before the given retry (1 = first retry). */
    public Duration backoffBefore(int retry) {
        double millis = retryDelay.toMillis() * Math.pow(retryBackoff, Math.max(0, retry - 1));
        long capped = (long) Math.min(millis, retryBackoffMax.toMillis());
        return Duration.ofMillis(capped);
    }

    /** Total attempts allowed. */
    public int maxAttempts() {
        return maxRetries + 1;
    }

    public TaskOptions withPriority(Priority p) {
        return new TaskOptions(p, maxRetries, retryDelay, retryBackoff, retryBackoffMax, timeout);
    }

    public TaskOptions withMaxRetries(int n) {
        return new TaskOptions(priority, n, retryDelay, retryBackoff, retryBackoffMax, timeout);
    }

    public TaskOptions withRetryDelay(Duration d) {
        return new TaskOptions(priority, maxRetries, d, retryBackoff, retryBackoffMax, timeout);
    }

    public TaskOptions withRetryBackoff(double b) {
        return new TaskOptions(priority, maxRetries, retryDelay, b, retryBackoffMax, timeout);
    }

    public TaskOptions withRetryBackoffMax(Duration d) {
        return new TaskOptions(priority, maxRetries, retryDelay, retryBackoff, d, timeout);
    }

    public TaskOptions withTimeout(Duration d) {
        return new TaskOptions(priority, maxRetries, retryDelay, retryBackoff, retryBackoffMax, d);
    }
}
