package io.fastworker.telemetry;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * The OpenTelemetry switch: {@code FASTWORKER_OTEL_ENABLED=true} (or the original's
 * {@code FASTWORKER_TELEMETRY_ENABLED}; {@code true}, {@code 1} or {@code yes}) turns the OpenTelemetry SDK on;
 * otherwise it stays disabled, so no exporter connects anywhere. When on, trace and span ids are added to log lines.
 *
 * <p>Sits above {@code application.properties} and below environment variables, so an explicit
 * {@code QUARKUS_OTEL_SDK_DISABLED} still wins.
 */
public class TelemetrySwitch implements ConfigSource {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final String LOG_TRACE = "telemetry.log.trace-ids";

    private final boolean enabled = enabled(System::getenv, System::getProperty);

    interface Lookup {
        String get(String name);
    }

    /** Whether the switch is on, looking at the environment first and then system properties. */
    static boolean enabled(Lookup env, Lookup props) {
        for (String name : new String[] {"FASTWORKER_OTEL_ENABLED", "FASTWORKER_TELEMETRY_ENABLED"}) {
            String v = env.get(name);
            if (v == null) {
                v = props.get(name.toLowerCase(Locale.ROOT).replace('_', '.'));
            }
            if (v != null && Set.of("true", "1", "yes").contains(v.trim().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Map<String, String> getProperties() {
        return Map.of(SDK_DISABLED, Boolean.toString(!enabled),
                LOG_TRACE, enabled ? " [traceId=%X{traceId}, spanId=%X{spanId}]" : "");
    }

    @Override
    public Set<String> getPropertyNames() {
        return getProperties().keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return getProperties().get(propertyName);
    }

    @Override
    public String getName() {
        return "FastWorkerTelemetrySwitch";
    }

    @Override
    public int getOrdinal() {
        return 275;
    }
}
