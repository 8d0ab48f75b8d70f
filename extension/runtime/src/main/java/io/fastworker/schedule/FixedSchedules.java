package io.fastworker.schedule;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.execution.TaskDefinition;
import io.fastworker.execution.TaskRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;

/**
 * The schedules written into the application: every {@code @Task(cron = ...)} and every
 * {@code fastworker.schedules."<id>".*}. One that cannot be read stops start-up, naming where it was written.
 */
@ApplicationScoped
class FixedSchedules {

    @Inject
    FastWorkerConfig config;

    @Inject
    TaskRegistry registry;

    @Inject
    ObjectMapper mapper;

    /** The annotations' schedules, then the configured ones. */
    List<Schedule> all() {
        List<Schedule> fixed = new ArrayList<>();
        for (TaskDefinition d : registry.definitions()) {
            registry.declared(d.name()).filter(a -> !a.cron().isBlank()).ifPresent(a -> {
                ObjectNode o = mapper.createObjectNode().put("id", d.name()).put("task", d.name())
                        .put("cron", a.cron()).put("timezone", a.timezone());
                fixed.add(parseFixed(o, Schedule.Source.ANNOTATION, "@Task '" + d.name() + "'"));
            });
        }
        config.schedules().forEach((id, s) -> fixed.add(parseFixed(fromConfig(id, s), Schedule.Source.CONFIG,
                "fastworker.schedules.\"" + id + "\"")));
        return fixed;
    }

    private Schedule parseFixed(JsonNode definition, Schedule.Source source, String where) {
        try {
            return Schedule.parse(definition, source);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode fromConfig(String id, FastWorkerConfig.ScheduleSetting s) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", id);
        o.put("task", s.task());
        s.cron().ifPresent(v -> o.put("cron", v));
        s.every().ifPresent(v -> o.put("every", v));
        s.timezone().ifPresent(v -> o.put("timezone", v));
        s.priority().ifPresent(v -> o.put("priority", v));
        s.missed().ifPresent(v -> o.put("missed", v));
        s.overlap().ifPresent(v -> o.put("overlap", v));
        try {
            s.args().ifPresent(v -> o.set("args", read(v)));
            s.kwargs().ifPresent(v -> o.set("kwargs", read(v)));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("fastworker.schedules.\"" + id + "\": " + e.getMessage(), e);
        }
        return o;
    }

    private JsonNode read(String json) {
        try {
            return mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("args and kwargs are JSON (an array, an object): "
                    + e.getOriginalMessage());
        }
    }
}
