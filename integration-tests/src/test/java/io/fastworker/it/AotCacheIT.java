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
 * The JVM caches of {@code fastworker train-aot}: AOT caches on Java 25 (a daemon built with {@code -Daot}),
 * class-data-sharing archives on Java 17 to 24 (any packaging). Every role starts with its own cache and must use it,
 * a stale cache is refused cleanly (the process runs without it, or with {@code -XX:AOTMode=on} or
 * {@code -Xshare:on} stops saying why), and the training command refuses what it cannot train. Runs wherever the
 * tests have caches ({@link JvmCaches}): below Java 25 always (they train their own archives), on Java 25 where
 * {@code -Dfastworker.it.aot-caches} names a {@code -Daot} build's caches (.ci/run's Java 25 step, which sets
 * {@code FASTWORKER_REQUIRE_AOT}); skipped elsewhere.
 */
class AotCacheIT {

    record Run(int exit, String out) {
    }

    @BeforeAll
    static void caches() {
        Assumptions.assumeTrue(Daemon.AOT_CACHES != null || System.getenv("FASTWORKER_REQUIRE_AOT") != null,
                "no -Dfastworker.it.aot-caches: the daemon was not built with -Daot; skipped");
        assertTrue(Daemon.AOT_CACHES != null, "FASTWORKER_REQUIRE_AOT is set but -Dfastworker.it.aot-caches is not");
        assertTrue(Daemon.AOT || System.getenv("FASTWORKER_REQUIRE_AOT") == null,
                "FASTWORKER_REQUIRE_AOT: the AOT caches need Java 25+, this is " + Runtime.version());
        for (String role : List.of("control-plane", "subworker", "cli")) {
            assertTrue(Files.isRegularFile(Daemon.cacheOf(role)), Daemon.cacheOf(role) + " is missing");
        }
    }

    @Test
    void everyRoleStartsWithItsOwnCacheAndRunsTasks() throws Exception {
        // Daemon starts every process with its role's cache, which it must use (-XX:AOTMode=on, -Xshare:on).
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
            if (Daemon.AOT) { // Java 25: task bodies on virtual threads (fastworker.subworker.virtual-threads)
                assertTrue(sub.log().contains("task bodies on virtual threads"), sub.log());
            }
            for (String log : List.of(cp.log(), sub.log(), r.stderr())) {
                assertFalse(log.contains("[aot]") || log.contains("[cds"), "the JVM said nothing about its cache:\n"
                        + log);
            }
        }
    }

    @Test
    void aCliCallTakesMostOfItsClassesFromItsArchive() throws Exception {
        Assumptions.assumeFalse(Daemon.AOT, "Java 25: aCliCallTakesItsCommandLineParserFromTheCache");
        try (Daemon cp = Daemon.controlPlane(Map.of())) {
            Run r = run(Path.of(Daemon.java()), List.of("-Xshare:on", "-XX:SharedArchiveFile=" + Daemon.cacheOf("cli"),
                    "-Xlog:class+load=info"), Daemon.JAR, "submit", "--url", cp.url(), "--task-name", "add", "--args",
                    "2", "3");
            assertEquals(0, r.exit(), r.out());
            List<String> loaded = r.out().lines().filter(l -> l.contains("[class,load]")).toList();
            long archived = loaded.stream().filter(l -> l.contains("source: shared objects file (top)")).count();
            // the archive holds the application's classes, those of Quarkus' class loader included (the JDK's own
            // come from the JDK's archive), but not their lambdas' classes (Java 17 archives only those of the JDK's
            // class loaders)
            List<String> ours = loaded.stream().filter(l -> l.contains(" io.fastworker.") && !l.contains("$$Lambda"))
                    .toList();
            long ourArchived = ours.stream().filter(l -> l.contains("source: shared objects file (top)")).count();
            assertTrue(archived > 1000, archived + " of " + loaded.size() + " classes from the archive:\n" + r.out());
            assertTrue(ours.size() > 10 && ourArchived >= ours.size() * 0.8, ourArchived + " of the " + ours.size()
                    + " classes of FastWorker's own from the archive:\n" + String.join("\n", ours));
        }
    }

    @Test
    void aCliCallTakesItsCommandLineParserFromTheCache() throws Exception {
        Assumptions.assumeTrue(Daemon.AOT, "Java 17 to 24: a class-data-sharing archive leaves picocli's out");
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
            Path cache = Daemon.cacheOf("cli");
            String use = (Daemon.AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + cache;
            Run auto = run(Path.of(Daemon.java()), List.of(use), jar, "--help");
            assertEquals(0, auto.exit(), "the CLI runs without the cache:\n" + auto.out());
            assertTrue(auto.out().contains("Usage: fastworker"), auto.out());
            assertTrue(auto.out().contains(Daemon.AOT ? "shared class paths mismatch" : "Unable to use shared archive"),
                    "the JVM says why:\n" + auto.out());

            Run strict = run(Path.of(Daemon.java()), List.of(Daemon.AOT ? "-XX:AOTMode=on" : "-Xshare:on", use), jar,
                    "--help");
            assertEquals(1, strict.exit(), strict.out());
            assertTrue(strict.out().contains(Daemon.AOT ? "Unable to use AOT cache."
                    : "An error has occurred while processing the shared archive file."), strict.out());
            assertTrue(strict.out().contains("shared class paths mismatch"), strict.out());
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
        Path java = Path.of(Daemon.java());
        if (Daemon.AOT) { // a class-data-sharing archive (Java 17 to 24) holds classes of any packaging
            Run fastJar = run(java, List.of(), Daemon.packaged("custom-worker"), "train-aot");
            assertEquals(2, fastJar.exit(), fastJar.out());
            assertTrue(fastJar.out().contains("is not packaged as an aot-jar"), fastJar.out());
            assertTrue(fastJar.out().contains("./mvnw package -Daot"), fastJar.out());
        }
        if (!Daemon.AOT) { // an application's archive extends the JDK's, which -Xshare:off leaves out
            Run off = run(java, List.of("-Xshare:off"), Daemon.JAR, "train-aot", "--output", "target/never");
            assertEquals(2, off.exit(), off.out());
            assertTrue(off.out().contains("class-data sharing is off in this JVM"), off.out());
        }
        Run few = run(java, List.of(), Daemon.JAR, "train-aot", "--tasks", "5");
        assertEquals(2, few.exit(), few.out());
        assertTrue(few.out().contains("--tasks must be 1000 to 1000000, got 5"), few.out());
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
                if (p.getFileName().toString().endsWith(".aot") || p.getFileName().toString().endsWith(".jsa")) {
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
