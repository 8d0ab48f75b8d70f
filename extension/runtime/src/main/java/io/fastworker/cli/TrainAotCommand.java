package io.fastworker.cli;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
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
 * {@code fastworker train-aot}: makes this binary's JVM caches from a training run on this machine: a control plane, a
 * subworker and one CLI call, each in its own JVM, through a burn-down of tasks. On Java 25+ they are AOT caches (JEP
 * 483, 514, 515): each role then loads its classes already linked and lets the JIT compile the hot paths from the
 * start. On Java 17 to 24 they are class-data-sharing archives: each role then maps its classes already parsed and
 * verified.
 *
 * <p>Guarantees: the caches are written only when every part of the run did what it should; nothing of the run is
 * left behind (its processes are stopped, its task store deleted); the environment's {@code FASTWORKER_*} settings
 * are not used (the run is on loopback with the embedded defaults).
 */
@Command(name = "train-aot", mixinStandardHelpOptions = true,
        description = "Make the JVM caches of this binary by a training run. Java 25+: AOT caches control-plane.aot, "
                + "subworker.aot and cli.aot (start each process with -XX:AOTCache=<its cache>); they need the aot-jar "
                + "packaging (./mvnw package -Daot builds it and runs this). Java 17 to 24: class-data-sharing "
                + "archives control-plane.jsa, subworker.jsa and cli.jsa (-XX:SharedArchiveFile=<its archive>), for "
                + "any packaging.")
class TrainAotCommand implements Callable<Integer> {

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
        JvmCache kind = JvmCache.of(Runtime.version().feature());
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
        if (kind == JvmCache.AOT && !packaging.contains("Aot")) {
            err.println("Error: " + jar.get() + " is not packaged as an aot-jar (its entry point is " + packaging
                    + "): a JVM caches only classes it loads from its class path, so build with ./mvnw package -Daot "
                    + "(or -Dquarkus.package.jar.type=aot-jar)");
            return ExitCode.USAGE;
        }
        if (kind == JvmCache.CDS && !sharing()) {
            err.println("Error: class-data sharing is off in this JVM (-Xshare:off, or its runtime has no base archive "
                    + "lib/server/classes.jsa: java -Xshare:dump makes it), and an application's archive extends that "
                    + "one");
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
        return new TrainingRun(kind, javaBin, jar.get(), dir, tasks, taskName, spec.commandLine().getOut(), err).run();
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

    /** Whether this JVM maps the JDK's class-data-sharing archive. */
    private static boolean sharing() {
        try {
            return Boolean.parseBoolean(ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .getVMOption("UseSharedSpaces").getValue());
        } catch (RuntimeException notHotSpot) {
            return true; // let the training JVMs say
        }
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
