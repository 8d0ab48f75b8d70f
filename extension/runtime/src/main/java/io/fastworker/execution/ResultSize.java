package io.fastworker.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;

/** The bound on a result's size as JSON ({@code fastworker.result.max-size}), counted without keeping the bytes. */
public final class ResultSize {

    /** A string of n UTF-16 characters takes at most this many bytes per character as JSON (escaped). */
    private static final int BYTES_PER_CHAR = 6;

    private ResultSize() {
    }

    /**
     * {@code outcome}, or a {@code bad_result} failure in its place when it is a success whose result takes more than
     * {@code max} bytes as JSON; {@code whose} names the setting's owner in the message (e.g. "the control plane's ").
     */
    public static Outcome within(ObjectMapper mapper, Outcome outcome, long max, String whose) {
        long size = outcome.ok() ? over(mapper, outcome.result(), max) : 0;
        if (size == 0) {
            return outcome;
        }
        return Outcome.failure(TaskError.of(TaskError.BAD_RESULT, "the result takes " + size + " bytes as JSON, more "
                + "than the " + max + " that " + whose + "fastworker.result.max-size allows"));
    }

    /**
     * The bytes {@code result} takes as JSON when that is more than {@code max}; 0 when it fits (or cannot be
     * written as JSON at all, which the one who writes it reports).
     */
    private static long over(ObjectMapper mapper, JsonNode result, long max) {
        if (result == null || result.isNumber() || result.isBoolean() || result.isNull() || result.isMissingNode()) {
            return 0;
        }
        if (result.isTextual() && (long) result.textValue().length() * BYTES_PER_CHAR + 2 <= max) {
            return 0;
        }
        Counter counter = new Counter();
        try {
            mapper.writeValue(counter, result);
        } catch (IOException e) {
            return 0;
        }
        return counter.count > max ? counter.count : 0;
    }

    private static final class Counter extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
