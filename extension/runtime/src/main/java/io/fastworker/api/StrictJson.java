package io.fastworker.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.util.Map;

/**
 * How the API reads request bodies: never empty, one JSON value per body, and no key twice in an object (the last
 * must not win).
 */
final class StrictJson {

    private StrictJson() {
    }

    static ObjectReader reader(ObjectMapper mapper) {
        return mapper.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    /** {@code body} as JSON; an empty one is refused with a {@code 400} that says what to send ({@code example}). */
    static JsonNode read(ObjectReader reader, String body, String example) throws JsonProcessingException {
        if (body == null || body.isBlank()) {
            throw ProblemException.badRequest("the request body is empty; send " + example);
        }
        return reader.readTree(body);
    }

    /**
     * Refuses a body without a Content-Type like one of the wrong type (it could be anything): {@code 415}, counted
     * against {@code tasks} tasks.
     */
    static void requireContentType(String contentType, int tasks) {
        if (contentType == null || contentType.isBlank()) {
            throw new ProblemException(415, "unsupported-media-type", "Unsupported media type",
                    "the request has no Content-Type; send the body as Content-Type: application/json", Map.of(),
                    tasks);
        }
    }
}
