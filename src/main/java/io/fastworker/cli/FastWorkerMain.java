package io.fastworker.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import org.jboss.logging.Logger;

/**
 * The one entry point of the binary. Client commands ({@code submit}, {@code status}, ...) run without starting
 * the daemon; {@code --role} starts Quarkus with the role's configuration profile.
 */
@QuarkusMain
public class FastWorkerMain implements QuarkusApplication {

    private static final Logger LOG = Logger.getLogger(FastWorkerMain.class);

    private static volatile Role role = Role.CONTROL_PLANE;

    public static void main(String... args) {
        int code = FastWorkerCommand.commandLine().execute(args);
        if (code != FastWorkerCommand.DAEMON_RAN) {
            System.exit(code);
        }
    }

    /** Starts the daemon with the role's profile; called by {@link FastWorkerCommand} once flags are applied. */
    static void runDaemon(Role role, String... args) {
        System.setProperty("quarkus.profile", "prod," + role.profile());
        FastWorkerMain.role = role;
        Quarkus.run(FastWorkerMain.class, args);
    }

    @Override
    public int run(String... args) {
        if (role == Role.SUBWORKER) {
            LOG.error("The subworker role is not available in this build yet (configuration profile 'subworker' "
                    + "loaded); run --role control-plane, which executes tasks itself");
            return 1;
        }
        Quarkus.waitForExit();
        return 0;
    }
}
