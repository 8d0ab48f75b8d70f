package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients generated from the committed description by OpenAPI Generator, with the README's commands as written (only
 * the generator and the output directory changed), used for real: a TypeScript (fetch) and a Python client each
 * submit a task and wait for its result, read the problem documents of a bad request and of a missing API key, and
 * find a failed task in the dead letters, against a control plane with API keys on. The scripts they run are under
 * {@code src/test/clients}; this test asserts on what they print.
 */
class GeneratedClientsIT {

    static final Path ROOT = QuickStartIT.ROOT;
    static final Path CLIENTS = Path.of("src/test/clients").toAbsolutePath();
    static final Path TSC = Path.of(System.getenv().getOrDefault("FASTWORKER_TSC", System.getProperty("user.home")
            + "/.cache/fastworker-npm/typescript-5.9.3/node_modules/.bin/tsc"));
    /** Debian's Python, which sees Debian's pydantic, urllib3 and dateutil. */
    static final String PYTHON = "/usr/bin/python3";
    static final ObjectMapper JSON = new ObjectMapper();

    static final String KEY = "k-admin-" + UUID.randomUUID();

    @TempDir
    static Path dir;
    static Daemon cp;
    static String generateJar;
    static String generate;

    @BeforeAll
    static void start() throws Exception {
        boolean required = System.getenv("FASTWORKER_REQUIRE_CLIENT_TOOLS") != null;
        String missing = missingTools();
        if (required) {
            assertEquals("", missing, "FASTWORKER_REQUIRE_CLIENT_TOOLS is set");
        }
        Assumptions.assumeTrue(missing.isEmpty(), missing + "; skipped");
        String[] commands = commands();
        Command copy = run(ROOT, List.of("bash", "-c", commands[0]));
        assertEquals(0, copy.exit(), copy.output());
        generate = commands[1];
        Files.writeString(dir.resolve("api-keys"), "ops  admin  " + HexFormat.of().formatHex(MessageDigest
                .getInstance("SHA-256").digest(KEY.getBytes(StandardCharsets.UTF_8))) + "\n");
        cp = Daemon.controlPlane(Map.of("FASTWORKER_API_AUTH_KEYS_FILE", dir.resolve("api-keys").toString()));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
    }

    /** What the test needs and this machine lacks, in words; empty when nothing is missing. */
    static String missingTools() throws Exception {
        StringBuilder missing = new StringBuilder();
        if (!Files.isExecutable(TSC)) {
            missing.append("no TypeScript at ").append(TSC).append(" (npm install --prefix "
                    + "~/.cache/fastworker-npm/typescript-5.9.3 typescript@5.9.3)");
        }
        if (run(ROOT, List.of("node", "--version")).exit() != 0) {
            missing.append(missing.isEmpty() ? "" : "; ").append("no node");
        }
        if (run(ROOT, List.of(PYTHON, "-c", "import pydantic, urllib3, dateutil")).exit() != 0) {
            missing.append(missing.isEmpty() ? "" : "; ").append("no Debian python3-pydantic, python3-urllib3 and "
                    + "python3-dateutil for " + PYTHON);
        }
        return missing.toString();
    }

    /** The README's two commands: fetch the generator, and generate a client. */
    static String[] commands() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf("## Clients for other languages");
        assertTrue(section >= 0, "the README has the section");
        int from = readme.indexOf("```bash\n", section) + "```bash\n".length();
        String[] lines = readme.substring(from, readme.indexOf("\n```", from)).strip().split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[1].contains(" -g typescript-fetch ") && lines[1].endsWith(" -o fastworker-ts"), lines[1]);
        return lines;
    }

    /** The README's generate command, for {@code generator} (with its options) into {@code out}. */
    static Path generate(String generator, Path out) throws Exception {
        String command = generate.replace(" -g typescript-fetch ", " -g " + generator + " ")
                .replace(" -o fastworker-ts", " -o " + out);
        Command r = run(ROOT, List.of("bash", "-c", command));
        assertEquals(0, r.exit(), command + "\n" + r.output());
        return out;
    }

    @Test
    void theTypeScriptClientWorks() throws Exception {
        Path work = dir.resolve("typescript");
        generate("typescript-fetch", work.resolve("generated"));
        Files.copy(CLIENTS.resolve("typescript/check_client.ts"), work.resolve("check_client.ts"));
        Command tsc = run(work,
                List.of(TSC.toString(), "--strict", "--target", "es2022", "--module", "commonjs", "--lib",
                        "es2022,dom", "--outDir", "out", "check_client.ts"));
        assertEquals(0, tsc.exit(), "the generated client and the script compile, strictly:\n" + tsc.output());
        JsonNode seen = seen(run(work, List.of("node", "out/check_client.js", cp.url(), KEY)));
        assertSeen(seen, "TypeScript");
        assertTrue(seen.at("/unknownTask/contentType").asText().startsWith("application/problem+json"), seen
                .toString());
    }

    @Test
    void thePythonClientWorks() throws Exception {
        Path work = dir.resolve("python");
        generate("python-pydantic-v1 -t " + CLIENTS.resolve("python/templates")
                + " --package-name fastworker_client", work);
        ProcessBuilder python = new ProcessBuilder(PYTHON, CLIENTS.resolve("python/check_client.py").toString(),
                cp.url(), KEY);
        python.environment().put("PYTHONPATH", work.toString());
        assertSeen(seen(run(work, python)), "Python");
    }

    static void assertSeen(JsonNode seen, String language) {
        String all = seen.toString();
        String id = seen.at("/submitted/id").asText();
        assertTrue(List.of("queued", "running", "success").contains(seen.at("/submitted/status").asText()), all);
        assertEquals(id, seen.at("/finished/id").asText(), all);
        assertEquals("success", seen.at("/finished/status").asText(), all);
        assertEquals(8, seen.at("/finished/result").asInt(), all);
        assertEquals(1, seen.at("/finished/attempts").asInt(), all);

        assertEquals(400, seen.at("/unknownTask/httpStatus").asInt(), all);
        assertEquals(400, seen.at("/unknownTask/status").asInt(), all);
        assertEquals("urn:fastworker:problem:unknown-task", seen.at("/unknownTask/type").asText(), all);
        assertEquals("Unknown task", seen.at("/unknownTask/title").asText(), all);
        assertTrue(seen.at("/unknownTask/detail").asText().contains("'no_such_task'"), all);

        assertEquals("failure", seen.at("/failed/status").asText(), all);
        assertEquals("from the generated " + language + " client", seen.at("/failed/error").asText(), all);
        assertTrue(seen.at("/deadLetters/total").asInt() >= 1, all);
        boolean listed = false;
        for (JsonNode letter : seen.at("/deadLetters/ids")) {
            listed |= letter.asText().equals(seen.at("/failed/id").asText());
        }
        assertTrue(listed, "the failed task is a dead letter: " + all);

        assertEquals(401, seen.at("/noKey/httpStatus").asInt(), all);
        assertEquals("urn:fastworker:problem:unauthenticated", seen.at("/noKey/type").asText(), all);
    }

    static JsonNode seen(Command r) throws Exception {
        assertEquals(0, r.exit(), r.output());
        String[] lines = r.output().strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    static Command run(Path dir, List<String> command) throws Exception {
        return Command.run(dir, Duration.ofSeconds(120), command);
    }

    static Command run(Path dir, ProcessBuilder pb) throws Exception {
        return Command.run(dir, Duration.ofSeconds(120), pb);
    }
}
