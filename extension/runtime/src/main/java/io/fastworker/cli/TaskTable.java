package io.fastworker.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.function.Function;

/** A page of tasks ({@code {total, items}}) as the CLI prints it: one line a task, then how many there are in all. */
final class TaskTable {

    private TaskTable() {
    }

    static void print(PrintWriter out, JsonNode page, String when, Function<JsonNode, String> whenOf) {
        JsonNode items = page.path("items");
        if (items.isEmpty()) {
            out.println("No tasks.");
        }
        for (JsonNode t : items) {
            out.printf("%-36s  %-20s  %-9s  %d/%d  %s%n", t.path("id").asText(), t.path("task").asText(),
                    t.path("status").asText(), t.path("attempts").asInt(), t.path("maxAttempts").asInt(),
                    whenOf.apply(t));
        }
        int total = page.path("total").asInt();
        if (total > items.size()) {
            out.printf("(%d of %d; --offset and --limit page through them; %s time shown)%n", items.size(), total,
                    when);
        }
    }
}
