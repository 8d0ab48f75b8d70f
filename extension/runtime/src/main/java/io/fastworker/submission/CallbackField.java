package io.fastworker.submission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.callback.CallbackTargets;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.Callback;
import io.fastworker.queue.TaskState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A submission's {@code callback}: {@code {"url": "https://...", "events": ["success", "failure"]}}. A host that is
 * internal by its very name or address is refused here already; the resolved address is checked again when sent.
 */
@ApplicationScoped
class CallbackField {

    @Inject
    FastWorkerConfig.Callbacks config;

    /** The callback {@code c} asks for, or null for none. */
    Callback read(JsonNode c) {
        if (c == null || c.isNull()) {
            return null;
        }
        if (!c.isObject()) {
            throw InvalidSubmissionException.invalid("field 'callback' must be an object such as {\"url\": "
                    + "\"https://example.com/hooks/fastworker\", \"events\": [\"success\", \"failure\"]}");
        }
        for (Iterator<String> it = c.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!f.equals("url") && !f.equals("events")) {
                throw InvalidSubmissionException.invalid("unknown field 'callback." + f + "'; a callback has url "
                        + "and events");
            }
        }
        JsonNode url = c.get("url");
        if (url == null || !url.isTextual()) {
            throw InvalidSubmissionException.invalid("field 'callback.url' is required: the http(s) URL to POST the "
                    + "task to when it ends");
        }
        Callback cb;
        try {
            cb = new Callback(URI.create(url.asText()), events(c.get("events")));
        } catch (IllegalArgumentException e) {
            throw InvalidSubmissionException.invalid("field 'callback.url': "
                    + (e.getMessage().startsWith("a callback") ? e.getMessage() : "not a URL: " + url.asText()));
        }
        checkHost(cb.url().getHost());
        return cb;
    }

    private static Set<TaskState> events(JsonNode ev) {
        Set<TaskState> events = EnumSet.noneOf(TaskState.class);
        if (ev == null || ev.isNull()) {
            events.addAll(List.of(TaskState.SUCCESS, TaskState.FAILURE));
            return events;
        }
        if (!ev.isArray() || ev.isEmpty()) {
            throw InvalidSubmissionException.invalid("field 'callback.events' must be a non-empty array of success, "
                    + "failure, cancelled");
        }
        for (JsonNode e : ev) {
            TaskState st = null;
            try {
                st = e.isTextual() ? TaskState.parse(e.asText()) : null;
            } catch (IllegalArgumentException ignored) {
                // reported below
            }
            if (st == null || !st.isTerminal()) {
                throw InvalidSubmissionException.invalid("field 'callback.events' may hold success, failure and "
                        + "cancelled, got " + e);
            }
            events.add(st);
        }
        return events;
    }

    private void checkHost(String host) {
        String internal = config.allowedHosts().isPresent() ? null : CallbackTargets.literalRefusal(host);
        String code = "callback-host-not-allowed";
        String title = "Callback host not allowed";
        if (internal != null) {
            throw InvalidSubmissionException.of(code, title, "'" + host + "' is " + internal + ": callbacks go to "
                    + "public addresses only, unless fastworker.callbacks.allowed-hosts names the host",
                    Map.of());
        }
        if (!CallbackTargets.allowed(host, config.allowedHosts())) {
            throw InvalidSubmissionException.of(code, title, "callbacks may go only to the hosts in "
                    + "fastworker.callbacks.allowed-hosts (" + String.join(", ", config.allowedHosts()
                            .orElse(List.of()))
                    + "); '" + host + "' is not one of them", Map.of());
        }
    }
}
