package io.fastworker.limit;

/**
 * How much of one task may run: at most {@code maxConcurrency} attempts at once across every executor (null: no
 * bound) and at most {@code rate} starts (null: no bound).
 */
public record Limit(Integer maxConcurrency, Rate rate) {

    /** Most attempts of one task a limit may allow at once. */
    public static final int MAX_CONCURRENCY = 1_000_000;

    public Limit {
        if (maxConcurrency != null && (maxConcurrency < 1 || maxConcurrency > MAX_CONCURRENCY)) {
            throw new IllegalArgumentException("maxConcurrency must be from 1 to " + MAX_CONCURRENCY + ", got "
                    + maxConcurrency);
        }
        if (maxConcurrency == null && rate == null) {
            throw new IllegalArgumentException("a limit sets maxConcurrency, rateLimit or both");
        }
    }
}
