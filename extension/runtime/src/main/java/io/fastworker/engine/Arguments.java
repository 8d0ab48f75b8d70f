package io.fastworker.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The arguments a task was submitted with: positional and keyword. Shown only to those allowed to see them. */
@RegisterForReflection
public record Arguments(ArrayNode args, ObjectNode kwargs) {
}
