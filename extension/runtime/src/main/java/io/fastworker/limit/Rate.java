package io.fastworker.limit;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A rate as written: {@code permits} starts per {@code per} ({@code "100/s"}, {@code "10/m"}, {@code "500/h"}). */
public record Rate(int permits, Duration per) {

    /** Most starts per second a rate may allow. */
    public static final int MAX_PER_SECOND = 1_000_000;
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})\\s*/\\s*(s|m|h)");

    public Rate {
        if (permits < 1) {
            throw new IllegalArgumentException("a rate allows at least 1 start, got " + permits);
        }
        if (!per.equals(Duration.ofSeconds(1)) && !per.equals(Duration.ofMinutes(1))
                && !per.equals(Duration.ofHours(1))) {
            throw new IllegalArgumentException("a rate is per second, minute or hour, got " + per);
        }
        if (permits / (double) per.toSeconds() > MAX_PER_SECOND) {
            throw new IllegalArgumentException("a rate allows at most " + MAX_PER_SECOND + " starts per second");
        }
    }

    /** Parses {@code "<n>/s"}, {@code "<n>/m"} or {@code "<n>/h"}. */
    public static Rate parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("a rate is written <starts>/<s|m|h>, e.g. \"100/s\" or \"10/m\"; got '"
                    + text + "'");
        }
        Duration per = switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(1);
            case "m" -> Duration.ofMinutes(1);
            default -> Duration.ofHours(1);
        };
        return new Rate(Integer.parseInt(m.group(1)), per);
    }

    /** Starts allowed per nanosecond. */
    double perNano() {
        return permits / (double) per.toNanos();
    }

    @Override
    public String toString() {
        return permits + "/" + (per.toSeconds() == 1 ? "s" : per.toSeconds() == 60 ? "m" : "h");
    }
}
