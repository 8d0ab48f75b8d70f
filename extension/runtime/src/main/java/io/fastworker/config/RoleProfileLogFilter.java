package io.fastworker.config;

import io.quarkus.logging.LoggingFilter;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops the one warning a native binary would print at every start: "The profile 'prod' used to build the native
 * image is different from the runtime profile 'prod,control-plane'". The role's profile is chosen at run time on
 * purpose (one binary, two roles), and it selects run-time settings only ({@code %subworker.quarkus.http.port} and
 * the like), which a native binary reads at start as a JVM does. Every other log record passes.
 */
@LoggingFilter(name = "fastworker-role-profile")
public final class RoleProfileLogFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        String message = record.getMessage();
        return message == null || !(message.startsWith("The profile '")
                && message.contains("used to build the native image is different from the runtime profile"));
    }
}
