package io.fastworker.config;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Stops start-up when a setting is out of range, naming every offending property as the user writes it (and its
 * environment variable); values are never clamped. The ranges of single settings are written on the mapping
 * ({@link Check}); what is checked here is what involves several settings, files or other extensions' settings.
 */
@ApplicationScoped
class ConfigChecks {

    @Inject
    FastWorkerConfig config;

    private final List<String> problems = new ArrayList<>();

    /** Runs before every other start-up observer, so nothing starts on a bad setting. */
    void check(@Observes @Priority(1) StartupEvent event) {
        new MappingChecks(this::fail).check(config);
        config.limits().forEach((task, l) -> {
            String prefix = "fastworker.limits.\"" + task + "\".";
            if (l.maxConcurrency().isEmpty() && l.rate().isEmpty()) {
                fail(prefix + "max-concurrency", "or " + prefix + "rate must be set");
            }
            l.rate().ifPresent(r -> {
                try {
                    io.fastworker.limit.Rate.parse(r);
                } catch (IllegalArgumentException e) {
                    fail(prefix + "rate", e.getMessage());
                }
            });
        });
        config.ui().traceUrl().ifPresent(url -> {
            if (!url.contains("{traceId}") || !(url.startsWith("http://") || url.startsWith("https://"))) {
                fail("fastworker.ui.trace-url", "must be an http(s) URL holding {traceId}, got '" + url + "'");
            }
        });
        if (config.store().path().isBlank()) {
            fail("fastworker.store.path", "must not be blank");
        }
        Duration idle = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.idle-timeout", Duration.class).orElse(Duration.ofMinutes(30));
        if (config.api().maxWait().compareTo(idle) >= 0) {
            fail("fastworker.api.max-wait", "must be shorter than quarkus.http.idle-timeout (" + idle + "), which "
                    + "closes a connection that waits that long; raise QUARKUS_HTTP_IDLE_TIMEOUT too");
        }
        if (config.api().auth().jwt().enabled()) {
            org.eclipse.microprofile.config.Config c = org.eclipse.microprofile.config.ConfigProvider.getConfig();
            if (c.getOptionalValue("mp.jwt.verify.publickey.location", String.class).isEmpty()
                    && c.getOptionalValue("mp.jwt.verify.publickey", String.class).isEmpty()) {
                fail("fastworker.api.auth.jwt.enabled", "needs the identity provider's key: set "
                        + "mp.jwt.verify.publickey.location (MP_JWT_VERIFY_PUBLICKEY_LOCATION), a PEM file or a JWKS URL");
            }
        }
        if (config.workerId().isPresent() && config.workerId().get().isBlank()) {
            fail("fastworker.worker-id", "must not be blank");
        }
        for (String name : config.tasks().declared().orElse(java.util.List.of())) {
            if (name.isBlank() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '.'
                    || c == '-' || c == ':')) {
                fail("fastworker.tasks.declared", "must be task names (letters, digits, _ . - :), got '" + name + "'");
            }
        }
        long frame = config.link().maxFrameSize().asLongValue();
        long body = config.api().maxBodySize().asLongValue();
        if (frame < body + (64 << 10) || frame > 64 << 20) {
            fail("fastworker.link.max-frame-size", "must be from fastworker.api.max-body-size + 64K (" + (body
                    + (64 << 10)) + " bytes) to 64M, so that every accepted task fits in a frame; got " + frame
                    + " bytes");
        }
        List<Duration> buckets = config.metrics().durationBuckets();
        for (int i = 0; i < buckets.size(); i++) {
            if (buckets.get(i).isNegative() || buckets.get(i).isZero()
                    || (i > 0 && buckets.get(i).compareTo(buckets.get(i - 1)) <= 0)) {
                fail("fastworker.metrics.duration-buckets", "must be positive durations in ascending order, got "
                        + buckets);
                break;
            }
        }
        if (config.role() == Role.SUBWORKER) {
            try {
                LinkAddress address = LinkAddress.parseAll(config.controlPlane().address()).get(0);
                FastWorkerConfig.SubworkerTls tls = config.subworker().tls();
                if (!address.tls() && (tls.trust().isPresent() || tls.cert().isPresent())) {
                    fail("fastworker.subworker.tls", "is set, but the control-plane address " + address
                            + " is plaintext; dial tls://" + address.host() + ":" + address.port());
                }
                pair("fastworker.subworker.tls", tls.cert(), tls.key());
                readable("fastworker.subworker.tls.trust", tls.trust());
            } catch (IllegalArgumentException e) {
                fail("fastworker.control-plane.address", e.getMessage());
            }
        }
        if (config.role() == Role.CONTROL_PLANE && config.link().enabled()) {
            FastWorkerConfig.LinkTls tls = config.link().tls();
            pair("fastworker.link.tls", tls.cert(), tls.key());
            readable("fastworker.link.tls.client-ca", tls.clientCa());
            if (tls.clientCa().isPresent() && tls.cert().isEmpty()) {
                fail("fastworker.link.tls.client-ca", "needs fastworker.link.tls.cert and .key: mutual TLS is TLS "
                        + "first");
            }
        }
        if (!problems.isEmpty()) {
            String message = "Invalid FastWorker configuration:\n  " + String.join("\n  ", problems);
            Logger.getLogger(ConfigChecks.class).error(message);
            throw new ConfigurationException(message);
        }
    }

    /** A certificate and its key: both or neither, both readable files. */
    private void pair(String prefix, java.util.Optional<String> cert, java.util.Optional<String> key) {
        if (cert.isPresent() != key.isPresent()) {
            fail(prefix + (cert.isPresent() ? ".key" : ".cert"), "must be set with " + prefix
                    + (cert.isPresent() ? ".cert" : ".key") + " (a certificate and its private key, PEM files)");
        }
        readable(prefix + ".cert", cert);
        readable(prefix + ".key", key);
    }

    private void readable(String property, java.util.Optional<String> file) {
        if (file.isPresent() && !java.nio.file.Files.isReadable(java.nio.file.Path.of(file.get()))) {
            fail(property, "cannot read the file " + java.nio.file.Path.of(file.get()).toAbsolutePath());
        }
    }

    private void fail(String property, String why) {
        String env = property.toUpperCase().replace('.', '_').replace('-', '_');
        problems.add(property + " (env " + env + ") " + why);
    }
}
