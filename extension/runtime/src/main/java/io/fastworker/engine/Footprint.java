package io.fastworker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * About how many bytes of heap a task's arguments or a result take, as JSON trees: the text they hold plus the
 * objects around it. An estimate that errs high, for the byte bounds of the queue and the result cache.
 */
final class Footprint {

    /** A task or result record apart from its JSON: ids, names, times, history. */
    static final long RECORD = 512;

    private Footprint() {
    }

    /** Everything a task holds until it ends: its arguments, the steps of its chain after it, its callback. */
    static long of(TaskSpec spec) {
        return RECORD + of(spec.args()) + of(spec.kwargs()) + of(spec.then())
                + (spec.callback() == null ? 0 : 64 + 2L * spec.callback().url().toString().length());
    }

    static long of(TaskView view) {
        long bytes = RECORD + of(view.result()) + 128L * view.history().size();
        if (view.error() != null) {
            bytes += 64 + view.error().message().length();
        }
        return bytes;
    }

    static long of(JsonNode node) {
        if (node == null) {
            return 0;
        }
        return switch (node.getNodeType()) {
            case STRING -> 48 + node.textValue().length();
            case BINARY -> 48 + node.asText().length();
            case ARRAY -> {
                long bytes = 40 + 8L * node.size();
                for (JsonNode child : node) {
                    bytes += of(child);
                }
                yield bytes;
            }
            case OBJECT -> {
                long bytes = 64;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    bytes += 56 + e.getKey().length() + of(e.getValue());
                }
                yield bytes;
            }
            default -> 24;
        };
    }
}
