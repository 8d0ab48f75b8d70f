package io.fastworker.cli;

import io.fastworker.config.Role;
import io.quarkus.dev.console.DevConsoleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * The one entry point of the binary. Client commands ({@code submit}, {@code status}, ...) run without starting
 * the daemon; {@code --role} starts Quarkus with the role's configuration profile.
 */
@QuarkusMain
public class FastWorkerMain implements QuarkusApplication {

    public static void main(String... args) {
        int code = FastWorkerCommand.commandLine(args).execute(args);
        if (code != FastWorkerCommand.DAEMON_RAN) {
            System.exit(code);
        }
    }

    /**
     * Starts the daemon with the role's profile (beside {@code dev} in {@code quarkus dev}, {@code prod} otherwise);
     * called by {@link FastWorkerCommand} once flags are applied.
     */
    static void runDaemon(Role role, String... args) {
        String mode = devMode() ? "dev," : "prod,";
        System.setProperty("quarkus.profile", mode + role.profile());
        System.setProperty("fastworker.role", role.profile());
        Quarkus.run(FastWorkerMain.class, args);
    }

    /**
     * Whether this process is {@code quarkus dev} (or a dev-mode test). Known before Quarkus starts, unlike the launch
     * mode, which dev mode sets only once the application starts.
     */
    static boolean devMode() {
        return DevConsoleManager.getHotReplacementContext() != null;
    }

    @Override
    public int run(String... args) {
        Quarkus.waitForExit();
        return 0;
    }
}
