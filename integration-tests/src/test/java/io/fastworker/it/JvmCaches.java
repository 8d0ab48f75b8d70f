package io.fastworker.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The JVM caches the tests start the daemon's processes with ({@code fastworker train-aot}), so that the suite's
 * hundreds of JVM starts take about a quarter less time each.
 */
final class JvmCaches {

    /** Whether the caches are AOT caches (Java 25+) rather than class-data-sharing archives. */
    static final boolean AOT = Runtime.version().feature() >= 25;
    private static final List<String> ROLES = List.of("control-plane", "subworker", "cli");

    private JvmCaches() {
    }

    /**
     * The directory of the daemon's caches, or null for none. {@code -Dfastworker.it.aot-caches} names it ({@code off}:
     * none). Without it, below Java 25, it is {@code target/jvm-caches}: class-data-sharing archives this run makes
     * with {@code train-aot}, or those an earlier run made there while still newer than the JDK and every file of the
     * packaged daemon. (On Java 25 the AOT caches need a daemon built with {@code -Daot}, which makes its own.)
     */
    static Path find(Path jar) {
        String given = System.getProperty("fastworker.it.aot-caches", "");
        if (given.equals("off")) {
            return null;
        }
        if (!given.isBlank()) {
            return Path.of(given).toAbsolutePath().normalize();
        }
        if (AOT) {
            return null;
        }
        Path dir = Path.of("target", "jvm-caches").toAbsolutePath();
        try {
            if (!fresh(dir, jar)) {
                train(jar, dir);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the daemon's class-data-sharing archives in " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making the daemon's class-data-sharing archives", e);
        }
        return dir;
    }

    private static boolean fresh(Path dir, Path jar) throws IOException {
        FileTime newest = Files.getLastModifiedTime(Path.of(System.getProperty("java.home"), "lib", "modules"));
        try (Stream<Path> files = Files.walk(jar.getParent())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                FileTime t = Files.getLastModifiedTime(f);
                newest = t.compareTo(newest) > 0 ? t : newest;
            }
        }
        for (String role : ROLES) {
            Path archive = dir.resolve(role + ".jsa");
            if (!Files.isRegularFile(archive) || Files.getLastModifiedTime(archive).compareTo(newest) <= 0) {
                return false;
            }
        }
        return true;
    }

    private static void train(Path jar, Path dir) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path out = Files.createTempFile("fastworker-train-", ".log");
        Process p = new ProcessBuilder(Daemon.java(), "-jar", jar.toString(), "train-aot", "--output", dir.toString(),
                "--tasks", "1000").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        String log = Files.readString(out);
        Files.delete(out);
        if (!ended || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("fastworker train-aot " + (ended ? "exited with " + p.exitValue()
                    : "did not end in 5 minutes") + ":\n" + log);
        }
        System.out.printf("the daemon's class-data-sharing archives made in %d s, in %s%n",
                (System.nanoTime() - t0) / 1_000_000_000, dir);
    }
}
