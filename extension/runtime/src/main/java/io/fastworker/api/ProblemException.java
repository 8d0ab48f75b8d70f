package io.fastworker.api;

import java.util.Map;

/**
 * A request the API refuses, answered as {@code application/problem+json} (RFC 9457). {@code code} is stable and
 * becomes the problem {@code type} {@code urn:fastworker:problem:<code>}.
 */
public class ProblemException extends RuntimeException {

    private final int status;
    private final String code;
    private final String title;
    private final transient Map<String, Object> extensions;
    private final int tasks;

    public ProblemException(int status, String code, String title, String detail) {
        this(status, code, title, detail, Map.of());
    }

    public ProblemException(int status, String code, String title, String detail, Map<String, Object> extensions) {
        this(status, code, title, detail, extensions, 1);
    }

    /** A refusal of a submission of {@code tasks} tasks (a batch), as counted in the rejection metric. */
    public ProblemException(int status, String code, String title, String detail, Map<String, Object> extensions,
            int tasks) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
        this.extensions = extensions;
        this.tasks = tasks;
    }

    public static ProblemException badRequest(String detail) {
        return new ProblemException(400, "invalid-request", "Invalid request", detail);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    /** How many submitted tasks this refusal turned away. */
    public int tasks() {
        return tasks;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }
}
