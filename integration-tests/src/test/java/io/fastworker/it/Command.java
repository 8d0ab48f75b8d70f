package io.fastworker.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A command the tests run to its end, as a user would in a shell: its exit status and its output (both streams). */
record Command(int exit, String output) {

    static Command run(Path dir, Duration limit, List<String> command) throws Exception {
        return run(dir, limit, new ProcessBuilder(command));
    }

    /** Runs {@code pb} in {@code dir}; exit 127 when it cannot start; a command still running after {@code limit}
     * is killed, with its descendants, and fails the test with its output. */
    static Command run(Path dir, Duration limit, ProcessBuilder pb) throws Exception {
        Path out = Files.createTempFile("fastworker-it-", ".out");
        try {
            Process p;
            try {
                p = pb.directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            } catch (java.io.IOException e) {
                return new Command(127, e.getMessage());
            }
            p.getOutputStream().close();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(pb.command() + " did not finish in " + limit.toSeconds() + " s:\n"
                        + Files.readString(out));
            }
            return new Command(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
