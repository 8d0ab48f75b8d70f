package io.fastworker.cli;

import io.fastworker.config.Role;
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

    /** Starts the daemon with the role's profile; called by {@link FastWorkerCommand} once flags are applied. */
    static void runDaemon(Role role, String... args) {
        System.setProperty("quarkus.profile", "prod," + role.profile());
        System.setProperty("fastworker.role", role.profile());
        Quarkus.run(FastWorkerMain.class, args);
    }

    @Override
    public int run(String... args) {
        Quarkus.waitForExit();
        return 0;
    }
}
