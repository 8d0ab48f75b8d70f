package io.fastworker.config;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * What a daemon checks about its surroundings before it starts anything: that its HTTP port is free (else one
 * line naming the port and the setting, and exit status 1, instead of a stack trace), and that the JVM exits on an
 * {@link OutOfMemoryError} (a process that ran out of memory keeps running but does nothing useful; an orchestrator
 * restarts one that exits).
 */
@ApplicationScoped
class StartupChecks {

    private static final Logger LOG = Logger.getLogger(StartupChecks.class);

    @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0")
    String httpHost;

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
    int httpPort;

    void check(@Observes @Priority(2) StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return; // tests and dev mode pick their own ports
        }
        if (httpPort > 0 && !free(httpHost, httpPort)) {
            throw new ConfigurationException("HTTP port " + httpPort + " on " + httpHost + " is in use "
                    + "(quarkus.http.port / QUARKUS_HTTP_PORT)");
        }
        boolean exitsOnOom = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.equals("-XX:+ExitOnOutOfMemoryError") || a.equals("-XX:+CrashOnOutOfMemoryError"));
        if (!exitsOnOom && !"Substrate VM".equals(System.getProperty("java.vm.name"))) {
            LOG.warn("The JVM was started without -XX:+ExitOnOutOfMemoryError: after an OutOfMemoryError this "
                    + "process would keep running without doing useful work; add the flag so that it exits and is "
                    + "restarted");
        }
    }

    private static boolean free(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the HTTP server binds: a port in TIME_WAIT is free
            probe.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
