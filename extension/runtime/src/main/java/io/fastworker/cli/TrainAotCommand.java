package io.fastworker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fastworker train-aot}: makes this binary's AOT caches for Java 25+ (JEP 483, 514, 515) from a training run
 * on this machine: a control plane, a subworker and one CLI call, each in its own JVM, through a burn-down of tasks.
 * Each role's cache then loads its classes already linked and lets the JIT compile the hot paths from the start.
 *
 * <p>Guarantees: the caches are written only when every part of the run did what it should; nothing of the run is
 * left behind (its processes are stopped, its task store deleted); the environment's {@code FASTWORKER_*} settings
 * are not used (the run is on loopback with the embedded defaults).
 */
@Command(name = "train-aot", mixinStandardHelpOptions = true,
        description = "Make the AOT caches (Java 25+) of this binary by a training run: control-plane.aot, "
                + "subworker.aot and cli.aot, then start each process with -XX:AOTCache=<its cache>. Needs the "
                + "aot-jar packaging (./mvnw package -Daot builds it and runs this).")
class TrainAotCommand implements Callable<Integer> {

    /** Where a JVM's AOT cache became a feature that records method profiles too (JEP 515). */
    static final int FIRST_JAVA = 25;

    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR",
            description = "where the caches go (default: beside quarkus-run.jar)")
    Path output;

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "20000",
            description = "tasks of the burn-down (default ${DEFAULT-VALUE}, 1000 to 1000000)")
    int tasks;

    @Option(names = "--task-name", paramLabel = "NAME", defaultValue = "noop",
            description = "task the burn-down submits, with no arguments (default ${DEFAULT-VALUE})")
    String taskName;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        int java = Runtime.version().feature();
        if (java < FIRST_JAVA) {
            err.println("Error: AOT caches need Java " + FIRST_JAVA + " or later to make and to use; this is Java "
                    + java + " (" + System.getProperty("java.home") + ")");
            return ExitCode.USAGE;
        }
        if (tasks < 1000 || tasks > 1_000_000) {
            err.println("Error: --tasks must be 1000 to 1000000, got " + tasks);
            return ExitCode.USAGE;
        }
        Optional<Path> jar = runnerJar();
        if (jar.isEmpty()) {
            err.println("Error: start it as java -jar <quarkus-app>/quarkus-run.jar train-aot (the class path is "
                    + System.getProperty("java.class.path") + ")");
            return ExitCode.USAGE;
        }
        String packaging = packaging(jar.get());
        if (!packaging.contains("Aot")) {
            err.println("Error: " + jar.get() + " is not packaged as an aot-jar (its entry point is " + packaging
                    + "): a JVM caches only classes it loads from its class path, so build with ./mvnw package -Daot "
                    + "(or -Dquarkus.package.jar.type=aot-jar)");
            return ExitCode.USAGE;
        }
        Path dir = output != null ? output : jar.get().getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            err.println("Error: cannot make " + dir + ": " + e);
            return ExitCode.USAGE;
        }
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        return new TrainingRun(javaBin, jar.get(), dir, tasks, taskName, spec.commandLine().getOut(), err).run();
    }

    /** The {@code quarkus-run.jar} this JVM was started from. */
    private static Optional<Path> runnerJar() {
        String cp = System.getProperty("java.class.path", "");
        for (String entry : cp.split(java.io.File.pathSeparator)) {
            if (entry.endsWith("quarkus-run.jar")) {
                return Optional.of(Path.of(entry).toAbsolutePath().normalize());
            }
        }
        return Optional.empty();
    }

    /** The jar's entry point, which names its packaging. */
    private static String packaging(Path jar) {
        try (JarFile j = new JarFile(jar.toFile())) {
            return String.valueOf(j.getManifest().getMainAttributes().getValue("Main-Class"));
        } catch (IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }
}
