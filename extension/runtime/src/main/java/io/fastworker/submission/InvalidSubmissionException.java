package io.fastworker.submission;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A submission refused for what it says: a field of the wrong shape or out of range, a task nobody offers,
 * arguments that cannot bind to its parameters, a callback to a host not allowed. Nothing of it was accepted.
 * {@code code} is stable (the API answers it as the problem type {@code urn:fastworker:problem:<code>}).
 */
public class InvalidSubmissionException extends RuntimeException {

    /** The stable code of a refusal with no more specific one. */
    public static final String INVALID = "invalid-request";

    private final String code;
    private final String title;
    private final transient Map<String, Object> extensions;
    private final int tasks;

    public InvalidSubmissionException(String code, String title, String detail, Map<String, Object> extensions,
            int tasks) {
        super(detail, null, false, false);
        this.code = code;
        this.title = title;
        this.extensions = Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
        this.tasks = tasks;
    }

    /** A refusal with the general code {@value #INVALID}; {@code detail} names the field and the fix. */
    public static InvalidSubmissionException invalid(String detail) {
        return new InvalidSubmissionException(INVALID, "Invalid request", detail, Map.of(), 1);
    }

    static InvalidSubmissionException of(String code, String title, String detail, Map<String, Object> extensions) {
        return new InvalidSubmissionException(code, title, detail, extensions, 1);
    }

    /** The same refusal with {@code prefix} before its detail, for {@code tasks} tasks refused together. */
    InvalidSubmissionException within(String prefix, String suffix, Map<String, Object> extensions, int tasks) {
        return new InvalidSubmissionException(code, title, prefix + getMessage() + suffix, extensions, tasks);
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    /** Members of the problem document beyond the standard ones, e.g. {@code knownTasks}. */
    public Map<String, Object> extensions() {
        return extensions;
    }

    /** How many submitted tasks this refusal turned away (a whole batch is refused together). */
    public int tasks() {
        return tasks;
    }
}
