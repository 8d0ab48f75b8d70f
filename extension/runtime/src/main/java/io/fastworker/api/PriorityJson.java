package io.fastworker.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.fastworker.task.Priority;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/** Priorities in JSON are their wire names ({@code "critical"}, ...), as clients write them. */
@Singleton
class PriorityJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("fastworker-priority").addSerializer(Priority.class,
                new StdSerializer<>(Priority.class) {
                    @Override
                    public void serialize(Priority value, JsonGenerator gen, SerializerProvider provider)
                            throws IOException {
                        gen.writeString(value.wireName());
                    }
                }));
    }
}
