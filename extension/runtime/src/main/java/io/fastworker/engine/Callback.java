package io.fastworker.engine;

import io.fastworker.queue.TaskState;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/** Where a task's final state is POSTed, and for which ends ({@code success}, {@code failure}, {@code cancelled}). */
public record Callback(URI url, Set<TaskState> events) {

    public Callback {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || url.getHost() == null || url.getHost().isEmpty()
                || url.getRawUserInfo() != null || url.getRawFragment() != null) {
            throw new IllegalArgumentException("a callback url is an absolute http:// or https:// URL with a host and "
                    + "no user info or fragment, e.g. https://example.com/hooks/fastworker");
        }
        if (events.isEmpty() || !events.stream().allMatch(TaskState::isTerminal)) {
            throw new IllegalArgumentException("callback events are one or more of success, failure, cancelled");
        }
        events = Set.copyOf(events);
    }

    /** The URL without its query: what the task shows and the log names (a query may carry a token). */
    public String shownUrl() {
        return url.getScheme() + "://" + url.getRawAuthority() + (url.getRawPath() == null ? "" : url.getRawPath());
    }
}
