package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Node SDK ({@code sdk/typescript}) as a user gets it: the README's commands (a project that installs it with
 * {@code npm install}, a task module, {@code fastworker-node subworker}, a submission), its types checked by
 * {@code tsc --strict} from a TypeScript file that uses every call, and its own {@code node --test} suite against the
 * daemon this build packaged (real control planes and subworker processes, killed and restarted, and the throughput
 * of 10,000 tasks printed).
 */
class TypeScriptSdkIT {

    static final Path SDK = QuickStartIT.ROOT.resolve("sdk/typescript");

    @TempDir
    Path dir;

    @Test
    void installsIntoAProjectTypeChecksAndPassesItsSuite() throws Exception {
        String missing = GeneratedClientsIT.missingTools();
        if (System.getenv("FASTWORKER_REQUIRE_CLIENT_TOOLS") != null) {
            assertEquals("", missing, "FASTWORKER_REQUIRE_CLIENT_TOOLS is set");
        }
        Assumptions.assumeTrue(missing.isEmpty() || !missing.contains("node") && !missing.contains("TypeScript"),
                missing + "; skipped");

        readmeCommands();

        Path types = dir.resolve("my-worker/check.mts"); // an ES module, as the package is
        Files.copy(SDK.resolve("test/types-check.ts"), types);
        Command tsc = Command.run(types.getParent(), Duration.ofSeconds(120), List.of(GeneratedClientsIT.TSC.toString(),
                "--strict", "--noEmit", "--target", "es2022", "--module", "node16", "--moduleResolution", "node16",
                "--lib", "es2022,dom", "check.mts"));
        assertEquals(0, tsc.exit(), "the shipped types hold a strict TypeScript program: " + tsc.output());

        ProcessBuilder suite = new ProcessBuilder("node", "--test", "--test-concurrency=1", "test/subworker.test.js",
                "test/restart.test.js");
        suite.environment().put("FASTWORKER_JAR", Daemon.JAR.toString());
        Command tests = Command.run(SDK, Duration.ofSeconds(600), suite);
        System.out.println(tests.output());
        assertEquals(0, tests.exit(), tests.output());
        assertTrue(tests.output().contains("10,000 noop tasks through one Node subworker"), tests.output());
    }

    /** The README's "Other languages: TypeScript" commands as written, but for the ports and the checkout's path. */
    void readmeCommands() throws Exception {
        SdkQuickStart.run(dir, "## Other languages: TypeScript", "ts-1", commands -> commands
                .replace("../sdk/typescript", SDK.toString()));
    }
}
