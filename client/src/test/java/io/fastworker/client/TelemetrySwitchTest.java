package io.fastworker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetrySwitchTest {

    static TelemetrySwitch with(Map<String, String> env) {
        return new TelemetrySwitch(env::get, name -> null);
    }

    @Test
    void offByDefaultAndThenNothingElseIsConfigured() {
        TelemetrySwitch off = with(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"));
        assertEquals("true", off.getValue("quarkus.otel.sdk.disabled"));
        assertNull(off.getValue("quarkus.otel.exporter.otlp.endpoint"));
        assertEquals("", off.getValue("telemetry.log.trace-ids"));
        assertEquals("true", with(Map.of("FASTWORKER_OTEL_ENABLED", "no")).getValue("quarkus.otel.sdk.disabled"));
    }

    @Test
    void eitherVariableTurnsItOnWithTheOriginalsValues() {
        for (String v : new String[] {"true", "1", "yes", "TRUE"}) {
            assertEquals("false", with(Map.of("FASTWORKER_OTEL_ENABLED", v)).getValue("quarkus.otel.sdk.disabled"));
            assertEquals("false",
                    with(Map.of("FASTWORKER_TELEMETRY_ENABLED", v)).getValue("quarkus.otel.sdk.disabled"));
        }
    }

    @Test
    void standardVariablesMapToQuarkusProperties() {
        TelemetrySwitch on = with(Map.of("FASTWORKER_OTEL_ENABLED", "true",
                "OTEL_SERVICE_NAME", "billing-worker",
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG", "0.25",
                "OTEL_RESOURCE_ATTRIBUTES", "k8s.namespace.name=jobs",
                "OTEL_BSP_SCHEDULE_DELAY", "500"));
        assertEquals("billing-worker", on.getValue("quarkus.otel.service.name"));
        assertEquals("http://collector:4318", on.getValue("quarkus.otel.exporter.otlp.endpoint"));
        assertEquals("http/protobuf", on.getValue("quarkus.otel.exporter.otlp.protocol"));
        assertEquals("parentbased_traceidratio", on.getValue("quarkus.otel.traces.sampler"));
        assertEquals("0.25", on.getValue("quarkus.otel.traces.sampler.arg"));
        assertEquals("k8s.namespace.name=jobs", on.getValue("quarkus.otel.resource.attributes"));
        assertEquals("500ms", on.getValue("quarkus.otel.bsp.schedule.delay"));
        assertEquals(" [traceId=%X{traceId}, spanId=%X{spanId}]", on.getValue("telemetry.log.trace-ids"));
        assertEquals(275, on.getOrdinal());
    }
}
