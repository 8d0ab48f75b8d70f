package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The AOT caches of a daemon built with {@code -Daot} on Java 25 ({@code fastworker train-aot}): every role starts
 * with its own cache and must use it, a stale cache is refused cleanly (the process runs without it, or with
 * {@code -XX:AOTMode=on} stops with one line), and the training command refuses what it cannot train. Runs where
 * {@code -Dfastworker.it.aot-caches} names the caches (.ci/run's Java 25 step, which sets
 * {@code FASTWORKER_REQUIRE_AOT}); skipped elsewhere.
 */
class AotCacheIT {

    static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    record Run(int exit, String out) {
    }

    @BeforeAll
    static void caches() {
        Assumptions.assumeTrue(Daemon.AOT_CACHES != null || System.getenv("FASTWORKER_REQUIRE_AOT") != null,
                "no -Dfastworker.it.aot-caches: the daemon was not built with -Daot; skipped");
        assertTrue(Daemon.AOT_CACHES != null, "FASTWORKER_REQUIRE_AOT is set but -Dfastworker.it.aot-caches is not");
        assertTrue(Runtime.version().feature() >= 25, "the AOT caches need Java 25+, this is " + Runtime.version());
        for (String role : List.of("control-plane", "subworker", "cli")) {
            assertTrue(Files.isRegularFile(Daemon.AOT_CACHES.resolve(role + ".aot")), role + ".aot is missing in "
                    + Daemon.AOT_CACHES);
        }
    }

    @Test
    void everyRoleStartsWithItsOwnCacheAndRunsTasks() throws Exception {
        // Daemon starts every process with -XX:AOTMode=on and its role's cache: one it could not use stops it.
        try (Daemon cp = Daemon.controlPlane(Map.of("FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY", "false"));
                Daemon sub = Daemon.subworker(cp.linkAddress(), "aot-1", 2, Map.of(), true)) {
            Daemon.Result r = Daemon.run(Map.of(), "submit", "--url", cp.url(), "--task-name", "add", "--args", "2",
                    "3");
            assertEquals(0, r.exitCode(), r.all());
            assertEquals("5", r.stdout().strip(), r.all());
            // nothing on stderr: no warning from the JDK about Netty's use of sun.misc.Unsafe (Java 24+)
            assertEquals("", r.stderr().strip(), r.all());
            String task = cp.get("/tasks?limit=1").body();
            assertTrue(task.contains("\"worker\":\"aot-1\""), "the subworker ran it: " + task);
            // Java 25: the subworker runs task bodies on virtual threads (fastworker.subworker.virtual-threads)
            assertTrue(sub.log().contains("task bodies on virtual threads"), sub.log());
            for (String log : List.of(cp.log(), sub.log(), r.stderr())) {
                assertFalse(log.contains("[aot]"), "the JVM said nothing about its cache:\n" + log);
            }
        }
    }

    @Test
    void aCliCallTakesItsCommandLineParserFromTheCache() throws Exception {
        // picocli is compiled for Java 5, and a JDK 25 cache leaves such classes out: the aot-jar build gives them to
        // the application as Java 8 class files, so that the cache holds them (a CLI call spent about a tenth of its time
        // loading and verifying them)
        try (Daemon cp = Daemon.controlPlane(Map.of())) {
            Run r = run(Path.of(Daemon.java()), List.of("-XX:AOTMode=on", "-XX:AOTCache="
                    + Daemon.AOT_CACHES.resolve("cli.aot"), "-Xlog:class+load=info"), Daemon.JAR, "submit", "--url",
                    cp.url(), "--task-name", "add", "--args", "2", "3");
            assertEquals(0, r.exit(), r.out());
            List<String> picocli = r.out().lines().filter(l -> l.contains("[class,load] picocli.")).toList();
            assertTrue(picocli.size() > 20, "the CLI loads picocli:\n" + r.out());
            List<String> fromJar = picocli.stream().filter(l -> !l.contains("source: shared objects file")).toList();
            assertTrue(fromJar.isEmpty(), fromJar.size() + " of the " + picocli.size() + " picocli classes the CLI "
                    + "loads are not in its cache, such as " + fromJar.subList(0, Math.min(3, fromJar.size())));
        }
    }

    @Test
    void aCacheMadeForAnotherBuildIsRefusedCleanly() throws Exception {
        // A rebuilt application (here: the same files copied, so with other times) does not match the cache.
        Path app = Daemon.JAR.getParent();
        Path copy = Files.createTempDirectory("fastworker-rebuilt-");
        try {
            copyTree(app, copy);
            Path jar = copy.resolve("quarkus-run.jar");
            Path cache = Daemon.AOT_CACHES.resolve("cli.aot");
            Run auto = run(Path.of(Daemon.java()), List.of("-XX:AOTCache=" + cache), jar, "--help");
            assertEquals(0, auto.exit(), "the CLI runs without the cache:\n" + auto.out());
            assertTrue(auto.out().contains("Usage: fastworker"), auto.out());
            assertTrue(auto.out().contains("shared class paths mismatch"), "the JVM says why:\n" + auto.out());

            Run strict = run(Path.of(Daemon.java()), List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache), jar,
                    "--help");
            assertEquals(1, strict.exit(), strict.out());
            assertTrue(strict.out().contains("Unable to use AOT cache."), strict.out());
            assertFalse(strict.out().contains("Usage: fastworker"), strict.out());
            try (Stream<Path> files = Files.list(Path.of("."))) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("hs_err")), "no crash report");
            }
        } finally {
            Daemon.deleteTree(copy);
        }
    }

    @Test
    void trainingRefusesWhatItCannotTrain() throws Exception {
        Path java25 = Path.of(Daemon.java());
        Run fastJar = run(java25, List.of(), Daemon.packaged("custom-worker"), "train-aot");
        assertEquals(2, fastJar.exit(), fastJar.out());
        assertTrue(fastJar.out().contains("is not packaged as an aot-jar"), fastJar.out());
        assertTrue(fastJar.out().contains("./mvnw package -Daot"), fastJar.out());

        Run few = run(java25, List.of(), Daemon.JAR, "train-aot", "--tasks", "5");
        assertEquals(2, few.exit(), few.out());
        assertTrue(few.out().contains("--tasks must be 1000 to 1000000, got 5"), few.out());

        if (Files.isExecutable(JAVA_17)) {
            Run old = run(JAVA_17, List.of(), Daemon.JAR, "train-aot");
            assertEquals(2, old.exit(), old.out());
            assertTrue(old.out().contains("AOT caches need Java 25 or later to make and to use; this is Java 17"),
                    old.out());
        }
    }

    private static Run run(Path java, List<String> jvmArgs, Path jar, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("fastworker-aot-", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(Duration.ofSeconds(60).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd + " did not end in 60 s");
        }
        String text = Files.readString(out);
        Files.delete(out);
        return new Run(p.exitValue(), text);
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.sorted(Comparator.naturalOrder()).toList()) {
                if (p.getFileName().toString().endsWith(".aot")) {
                    continue;
                }
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
