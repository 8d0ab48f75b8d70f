package io.fastworker.engine;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.task.TaskOptions;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/** An accepted submission: what to run, with which arguments and options, and not before when. */
public record TaskSpec(String id, String name, ArrayNode args, ObjectNode kwargs, TaskOptions options,
        Instant notBefore) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public TaskSpec {
        checkId(id);
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(kwargs, "kwargs");
        Objects.requireNonNull(options, "options");
    }

    /** @throws IllegalArgumentException unless the id is 1 to 128 characters of A-Z a-z 0-9 . _ : - */
    public static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("task id must be 1 to 128 characters of A-Z a-z 0-9 . _ : -");
        }
    }
}
