package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.TaskRequest;
import io.fastworker.it.OtlpReceiver.ReceivedSpan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Head sampling set with the standard variables is honoured end to end: parent-based, ratio 0.1. */
class SamplingIT {

    @Test
    void parentBasedRatioSamplingKeepsAboutOneTraceInTen() throws Exception {
        int submissions = 1000;
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            Map<String, String> env = new HashMap<>(receiver.env("fastworker-sampled"));
            env.put("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
            env.put("OTEL_TRACES_SAMPLER_ARG", "0.1");
            try (Daemon cp = Daemon.controlPlane(env)) {
                FastWorkerClient client = FastWorkerClient.create(cp.url());
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < submissions; i++) {
                    ids.add(client.delay(TaskRequest.of("noop")));
                }
                for (String id : ids) {
                    assertEquals("success", client.result(id, Duration.ofSeconds(30)).status());
                }
                Thread.sleep(1500); // two export intervals: every sampled span has been sent

                List<ReceivedSpan> spans = receiver.spans();
                // Reading results (GET /tasks/{id}) makes traces of its own; count the submissions' traces.
                Set<String> traces = spans.stream().filter(s -> s.name().equals("POST /tasks"))
                        .map(ReceivedSpan::traceId).collect(Collectors.toSet());
                // Binomial(1000, 0.1): mean 100, sd 9.5; [55, 145] is beyond 4.5 sd either side.
                assertTrue(traces.size() >= 55 && traces.size() <= 145,
                        "sampled traces: " + traces.size() + " of " + submissions);
                // Sampling is decided once per trace: a sampled trace is complete, an unsampled one sends nothing.
                for (String trace : traces) {
                    List<String> names = spans.stream().filter(s -> s.traceId().equals(trace))
                            .map(ReceivedSpan::name).sorted().toList();
                    assertEquals(List.of("POST /tasks", "fastworker.control_plane.dispatch",
                            "fastworker.task.execute"), names, "trace " + trace);
                }
                System.out.printf("[sampling] %d of %d traces sampled at ratio 0.1%n", traces.size(), submissions);
            }
        }
    }
}
