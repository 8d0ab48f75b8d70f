package io.fastworker.submission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** What an idempotency key may be, and the fingerprint that tells two requests under one key apart. */
public final class IdempotencyKeys {

    /** Longest idempotency key. */
    public static final int MAX_KEY = 255;

    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private IdempotencyKeys() {
    }

    /** @throws InvalidSubmissionException unless {@code key} is 1 to {@value #MAX_KEY} visible ASCII characters */
    public static void check(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw InvalidSubmissionException.invalid("an idempotency key must be 1 to " + MAX_KEY + " visible ASCII "
                    + "characters (no spaces), e.g. a UUID or 'order-42-confirmation'");
        }
    }

    /** SHA-256 of the request's JSON with object keys sorted, so that key order does not make two requests differ. */
    static String fingerprint(JsonNode request) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(request, Object.class)));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
