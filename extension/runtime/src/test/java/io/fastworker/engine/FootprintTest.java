package io.fastworker.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.TaskOptions;
import io.fastworker.queue.TaskState;
import io.fastworker.task.Priority;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** What a task holds for later counts against the byte bound: its chain's later steps and its callback too. */
class FootprintTest {

    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    static TaskSpec spec() {
        return new TaskSpec("t1", "echo", JSON.arrayNode().add("small"), JSON.objectNode(), new TaskOptions(
                Priority.NORMAL, 0, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(5), Duration.ofMinutes(5)), null);
    }

    @Test
    void laterChainStepsAndTheCallbackAreCounted() {
        long alone = Footprint.of(spec());
        ObjectNode then = JSON.objectNode().put("task", "echo");
        then.putArray("args").add("z".repeat(100_000));
        long chained = Footprint.of(spec().followedBy(then, new ChainStep("t1", 0, 2)));
        assertTrue(chained - alone >= 100_000, "a 100,000-character step counts: " + alone + " -> " + chained);
        long called = Footprint.of(spec().withCallback(new Callback(URI.create("https://example.com/"
                + "h".repeat(2000)), EnumSet.of(TaskState.SUCCESS))));
        assertTrue(called - alone >= 2000, "the callback's URL counts: " + alone + " -> " + called);
    }
}
