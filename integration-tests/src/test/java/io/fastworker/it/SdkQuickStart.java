package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** An SDK's quick start in the README ("Other languages: ..."), run as written. */
final class SdkQuickStart {

    private SdkQuickStart() {
    }

    /**
     * Runs the first {@code bash} block under {@code heading} in {@code dir}, against a control plane of its own that
     * runs no task itself (so the answer must come from the SDK's subworker): only its ports and what {@code edit}
     * changes (the checkout's paths) differ from the README. The block starts {@code workerId} in the background and
     * prints 42; the subworker is then sent SIGTERM, and must have run that one task and left.
     */
    static void run(Path dir, String heading, String workerId, UnaryOperator<String> edit) throws Exception {
        String readme = Files.readString(QuickStartIT.ROOT.resolve("README.md"));
        String section = readme.substring(readme.indexOf(heading));
        int start = section.indexOf("```bash\n") + "```bash\n".length();
        String commands = section.substring(start, section.indexOf("```\n", start));
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"))) {
            String script = edit.apply(commands.replace("127.0.0.1:5555", "127.0.0.1:" + cp.linkPort)
                    .replace("http://127.0.0.1:8080", cp.url())) + "\nkill %1; wait\n";
            Command shown = Command.run(dir, Duration.ofSeconds(180), List.of("bash", "-c", script));
            assertEquals(0, shown.exit(), shown.output());
            assertTrue(shown.output().lines().anyMatch("42"::equals), shown.output());
            JsonNode worker = Daemon.await(() -> new ObjectMapper().readTree(cp.get("/workers/gone").body())
                    .findParents("id").stream().filter(w -> w.get("id").asText().equals(workerId)).findFirst()
                    .orElse(null), w -> w != null, Duration.ofSeconds(15), workerId + " leaving");
            assertEquals(1, worker.get("completed").asInt(), worker.toString());
            assertEquals("left", worker.get("state").asText(), "SIGTERM drains and leaves: " + worker);
        }
    }
}
