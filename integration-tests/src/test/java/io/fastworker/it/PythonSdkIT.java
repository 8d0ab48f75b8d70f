package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python SDK ({@code sdk/python}) as a user gets it: installed with the README's {@code pip} command into a fresh
 * virtual environment, then its own pytest suite run with that environment's Python against the daemon this build
 * packaged. The suite starts real control planes and {@code fastworker subworker} processes (the original
 * FastWorker's example module among their tasks), kills and restarts them, and prints the throughput of 10,000
 * tasks.
 */
class PythonSdkIT {

    /** Debian's Python, which sees Debian's pytest (no Python package index is reachable here). */
    static final String PYTHON = "/usr/bin/python3";
    static final Path SDK = QuickStartIT.ROOT.resolve("sdk/python");

    @TempDir
    Path dir;

    @Test
    void installsIntoAFreshEnvironmentAndPassesItsSuite() throws Exception {
        Command probe = Command.run(dir, Duration.ofSeconds(30),
                List.of(PYTHON, "-c", "import pytest, venv, setuptools, wheel"));
        if (System.getenv("FASTWORKER_REQUIRE_PYTHON_SDK") != null) {
            assertEquals(0, probe.exit(), "FASTWORKER_REQUIRE_PYTHON_SDK is set: " + probe.output());
        }
        Assumptions.assumeTrue(probe.exit() == 0, "Debian's python3-pytest, -venv, -setuptools or -wheel is "
                + "missing; skipped: " + probe.output());

        Path venv = dir.resolve("venv");
        Command created = Command.run(dir, Duration.ofSeconds(120),
                List.of(PYTHON, "-m", "venv", "--system-site-packages", venv.toString()));
        assertEquals(0, created.exit(), created.output());
        // The README's command, with the path of this checkout.
        Command installed = Command.run(dir, Duration.ofSeconds(300),
                List.of(venv.resolve("bin/pip").toString(), "install", "--no-build-isolation",
                        "--no-index", SDK.toString()));
        assertEquals(0, installed.exit(), installed.output());
        Command where = Command.run(dir, Duration.ofSeconds(30), List.of(venv.resolve("bin/python").toString(),
                "-c", "import fastworker; print(fastworker.__file__)"));
        assertEquals(0, where.exit(), where.output());
        assertTrue(where.output().startsWith(venv.toString()), "the package comes from the environment: "
                + where.output());
        Command help = Command.run(dir, Duration.ofSeconds(30), List.of(venv.resolve("bin/fastworker").toString(),
                "subworker", "--help"));
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("--task-modules"), help.output());

        ProcessBuilder suite = new ProcessBuilder(venv.resolve("bin/python").toString(), "-m", "pytest", "-q", "-s",
                "-p", "no:cacheprovider", SDK.resolve("tests").toString());
        suite.environment().put("FASTWORKER_JAR", Daemon.JAR.toString());
        suite.environment().put("PATH", venv.resolve("bin") + ":" + System.getenv("PATH"));
        Command tests = Command.run(dir, Duration.ofSeconds(900), suite);
        System.out.println(tests.output());
        assertEquals(0, tests.exit(), tests.output());
        assertTrue(tests.output().contains("10,000 noop tasks through one Python subworker"), tests.output());

        readmeCommands(venv);
    }

    /**
     * The README's "Other languages: Python" commands as written, but for the ports of a control plane of this test
     * and the checkout's path, with the package in the environment made above.
     */
    void readmeCommands(Path venv) throws Exception {
        SdkQuickStart.run(dir, "## Other languages: Python", "py-1", commands -> commands
                .replace("./sdk/python", SDK.toString()).replace("python3 -m venv .venv && ", "")
                .replace(".venv/", venv + "/"));
    }
}
