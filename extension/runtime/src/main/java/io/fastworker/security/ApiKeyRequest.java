package io.fastworker.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A key presented as {@code Authorization: Bearer <key>}, to be checked against the keys file. */
final class ApiKeyRequest extends BaseAuthenticationRequest {

    private final String key;

    ApiKeyRequest(String key) {
        this.key = key;
    }

    String key() {
        return key;
    }
}
