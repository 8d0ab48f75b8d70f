package io.fastworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads the fields of a message body, refusing one of the wrong type with {@link MalformedMessageException}. */
final class Fields {

    private Fields() {
    }

    /** A string field; missing, null or of another type is refused. */
    static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new MalformedMessageException("'" + field + "' must be a string");
        }
        return v.textValue();
    }

    /** A string field, or null when missing; of another type is refused. */
    static String optionalText(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new MalformedMessageException("'" + field + "' must be a string");
        }
        return v.textValue();
    }

    /**
     * A whole-number field kept within 0 and {@link Integer#MAX_VALUE} (a count: credits, an attempt); missing or null
     * is 0; a fraction or another type is refused.
     */
    static int count(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isNumber() || v.doubleValue() != Math.rint(v.doubleValue())) {
            throw new MalformedMessageException(field + " must be a whole number");
        }
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, v.longValue()));
    }

    /** Whether a node is a whole number that fits an {@code int}. */
    static boolean isInt(JsonNode v) {
        return v != null && v.isIntegralNumber() && v.canConvertToInt();
    }
}
