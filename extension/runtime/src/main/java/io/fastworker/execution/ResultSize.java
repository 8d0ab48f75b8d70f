package io.fastworker.execution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;

/** The size of a result as JSON, counted without keeping the bytes. */
final class ResultSize {

    /** A string of n UTF-16 characters takes at most this many bytes per character as JSON (escaped). */
    private static final int BYTES_PER_CHAR = 6;

    private ResultSize() {
    }

    /**
     * The bytes {@code result} takes as JSON when that is more than {@code max}; 0 when it fits (or cannot be
     * written as JSON at all, which the one who writes it reports).
     */
    static long over(ObjectMapper mapper, JsonNode result, long max) {
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
