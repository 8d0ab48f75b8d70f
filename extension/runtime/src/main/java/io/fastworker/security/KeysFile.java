package io.fastworker.security;

import io.fastworker.config.FastWorkerConfig;
import io.fastworker.config.Role;
import io.fastworker.execution.DaemonThreads;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The API keys in force: read from {@code fastworker.api.auth.keys-file} at start-up (a missing or malformed file
 * stops the start), then again whenever its content changes.
 *
 * <p>Guarantees: a key removed from the file is refused, and a key added is accepted, within
 * {@code fastworker.api.auth.keys-reload-interval}. A changed file that cannot be read or parsed changes nothing:
 * the keys loaded before stay in force (an ERROR says why), so a bad edit never opens the API.
 */
@ApplicationScoped
public class KeysFile {

    private static final Logger LOG = Logger.getLogger(KeysFile.class);

    @Inject
    FastWorkerConfig.Api apiSettings;

    @Inject
    Role role;

    @ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0")
    String httpHost;

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
    int httpPort;

    private volatile ApiKeys keys;
    private byte[] loadedBytes;
    private String lastProblem;
    private ScheduledExecutorService reloader;

    /** Whether authentication is on (a keys file or a JWT verification key is configured). */
    public boolean enabled() {
        return apiSettings.auth().keysFile().isPresent() || jwtEnabled();
    }

    /** Whether JSON Web Tokens are accepted ({@code fastworker.api.auth.jwt.enabled}). */
    public boolean jwtEnabled() {
        return apiSettings.auth().jwt().enabled();
    }

    /** The key {@code presented} belongs to, if any. */
    Optional<ApiKeys.ApiKey> match(String presented) {
        ApiKeys current = keys;
        return current == null ? Optional.empty() : current.match(presented);
    }

    void start(@Observes @Priority(3) StartupEvent event) {
        Optional<String> file = apiSettings.auth().keysFile();
        if (jwtEnabled()) {
            LOG.info("API authentication on: JSON Web Tokens (mp.jwt.verify.*), roles from their groups claim");
        }
        if (file.isEmpty()) {
            if (!jwtEnabled() && role == Role.CONTROL_PLANE && !Peers.loopback(httpHost)) {
                if (apiSettings.auth().openToNetwork()) {
                    LOG.warnf("API authentication is off and fastworker.api.auth.open-to-network is on: anyone who "
                            + "can reach port %d on %s may submit, read and cancel tasks and read their results. Set "
                            + "fastworker.api.auth.keys-file (FASTWORKER_API_AUTH_KEYS_FILE) to require API keys",
                            httpPort, httpHost);
                } else {
                    LOG.infof("API authentication is off: FastWorker's API on port %d answers clients on this host "
                            + "only (loopback). Set fastworker.api.auth.keys-file (FASTWORKER_API_AUTH_KEYS_FILE) to "
                            + "require API keys from anywhere, or fastworker.api.auth.open-to-network=true to let "
                            + "any client in", httpPort);
                }
            }
            return;
        }
        Path path = Path.of(file.get());
        try {
            loadedBytes = Files.readAllBytes(path);
            keys = ApiKeys.read(path);
        } catch (IOException e) {
            throw new ConfigurationException("fastworker.api.auth.keys-file: " + e.getMessage());
        }
        if (keys.size() == 0) {
            LOG.warnf("The API keys file %s has no keys: every API call will be refused", path.toAbsolutePath());
        } else {
            LOG.infof("API authentication on: %d key(s) from %s", keys.size(), path.toAbsolutePath());
        }
        long every = apiSettings.auth().keysReloadInterval().toMillis();
        reloader = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("fastworker-keys-reload"));
        reloader.scheduleWithFixedDelay(() -> reload(path), every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (reloader != null) {
            reloader.shutdownNow();
        }
    }

    private void reload(Path path) {
        try {
            byte[] bytes = Files.readAllBytes(path);
            if (Arrays.equals(bytes, loadedBytes)) {
                return;
            }
            ApiKeys next = ApiKeys.read(path);
            keys = next;
            loadedBytes = bytes;
            lastProblem = null;
            LOG.infof("API keys reloaded from %s: %d key(s)", path.toAbsolutePath(), next.size());
        } catch (IOException | RuntimeException e) {
            String problem = String.valueOf(e.getMessage());
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                LOG.errorf("The API keys file changed but cannot be used (%s); the keys loaded before stay in force",
                        problem);
            }
        }
    }

}
