package io.fastworker.client;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * FastWorker's OpenTelemetry switch for Quarkus applications (the daemon registers it; register it in your own
 * app through {@code META-INF/services/org.eclipse.microprofile.config.spi.ConfigSource} to get the same
 * behaviour). {@code FASTWORKER_OTEL_ENABLED=true} (or the original's {@code FASTWORKER_TELEMETRY_ENABLED};
 * {@code true}, {@code 1} or {@code yes}) turns the OpenTelemetry SDK on; otherwise it stays disabled and no
 * exporter connects anywhere. When on, the standard variables apply: {@code OTEL_SERVICE_NAME},
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT}, {@code OTEL_EXPORTER_OTLP_PROTOCOL} ({@code grpc} or
 * {@code http/protobuf}), {@code OTEL_EXPORTER_OTLP_HEADERS}, the per-signal {@code _TRACES_}/{@code _METRICS_}
 * variants, {@code OTEL_TRACES_SAMPLER}, {@code OTEL_TRACES_SAMPLER_ARG}, {@code OTEL_RESOURCE_ATTRIBUTES},
 * {@code OTEL_PROPAGATORS}, {@code OTEL_BSP_SCHEDULE_DELAY} and {@code OTEL_METRIC_EXPORT_INTERVAL} (ms). Trace
 * and span ids are then added to log lines (property {@code telemetry.log.trace-ids}).
 *
 * <p>Ordinal 275: above {@code application.properties}, below environment variables, so an explicit
 * {@code QUARKUS_OTEL_*} variable still wins.
 */
public class TelemetrySwitch implements ConfigSource {

    /** The standard variable and the Quarkus property it sets, with a value conversion. */
    private record Mapping(String env, String property, UnaryOperator<String> convert) {
    }

    private static final UnaryOperator<String> SAME = v -> v;
    private static final UnaryOperator<String> MILLIS = v -> v.trim() + "ms";
    private static final Mapping[] STANDARD = {
        new Mapping("OTEL_SERVICE_NAME", "quarkus.otel.service.name", SAME),
        new Mapping("OTEL_RESOURCE_ATTRIBUTES", "quarkus.otel.resource.attributes", SAME),
        new Mapping("OTEL_EXPORTER_OTLP_ENDPOINT", "quarkus.otel.exporter.otlp.endpoint", SAME),
        new Mapping("OTEL_EXPORTER_OTLP_PROTOCOL", "quarkus.otel.exporter.otlp.protocol", SAME),
        new Mapping("OTEL_EXPORTER_OTLP_HEADERS", "quarkus.otel.exporter.otlp.headers", SAME),
        new Mapping("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "quarkus.otel.exporter.otlp.traces.endpoint", SAME),
        new Mapping("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "quarkus.otel.exporter.otlp.traces.protocol", SAME),
        new Mapping("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "quarkus.otel.exporter.otlp.metrics.endpoint", SAME),
        new Mapping("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "quarkus.otel.exporter.otlp.metrics.protocol", SAME),
        new Mapping("OTEL_TRACES_SAMPLER", "quarkus.otel.traces.sampler", SAME),
        new Mapping("OTEL_TRACES_SAMPLER_ARG", "quarkus.otel.traces.sampler.arg", SAME),
        new Mapping("OTEL_PROPAGATORS", "quarkus.otel.propagators", SAME),
        new Mapping("OTEL_BSP_SCHEDULE_DELAY", "quarkus.otel.bsp.schedule.delay", MILLIS),
        new Mapping("OTEL_METRIC_EXPORT_INTERVAL", "quarkus.otel.metric.export.interval", MILLIS),
    };

    private final Map<String, String> properties;

    public TelemetrySwitch() {
        this(System::getenv, System::getProperty);
    }

    TelemetrySwitch(UnaryOperator<String> env, UnaryOperator<String> props) {
        boolean on = enabled(env, props);
        Map<String, String> p = new HashMap<>();
        p.put("quarkus.otel.sdk.disabled", Boolean.toString(!on));
        p.put("telemetry.log.trace-ids", on ? " [traceId=%X{traceId}, spanId=%X{spanId}]" : "");
        if (on) {
            for (Mapping m : STANDARD) {
                String v = env.apply(m.env());
                if (v != null && !v.isBlank()) {
                    p.put(m.property(), m.convert().apply(v));
                }
            }
        }
        this.properties = Map.copyOf(p);
    }

    /** Whether the switch is on: the environment first, then system properties ({@code fastworker.otel.enabled}). */
    public static boolean enabled(UnaryOperator<String> env, UnaryOperator<String> props) {
        for (String name : new String[] {"FASTWORKER_OTEL_ENABLED", "FASTWORKER_TELEMETRY_ENABLED"}) {
            String v = env.apply(name);
            if (v == null) {
                v = props.apply(name.toLowerCase(Locale.ROOT).replace('_', '.'));
            }
            if (v != null && Set.of("true", "1", "yes").contains(v.trim().toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the switch is on in this process. */
    public static boolean enabled() {
        return enabled(System::getenv, System::getProperty);
    }

    @Override
    public Map<String, String> getProperties() {
        return properties;
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
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
