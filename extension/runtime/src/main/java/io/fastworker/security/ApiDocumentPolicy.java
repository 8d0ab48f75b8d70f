package io.fastworker.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The API's description, {@code /q/openapi} and {@code /q/swagger-ui} (named {@code fastworker-api-document} in the
 * extension's HTTP permissions): like the API itself, loopback clients only while authentication is off, and keys
 * with {@code read} once it is on.
 */
@ApplicationScoped
class ApiDocumentPolicy extends ReadRolePolicy {

    @Inject
    KeysFile keys;

    @Override
    boolean open() {
        return !keys.enabled();
    }

    @Override
    public String name() {
        return "fastworker-api-document";
    }
}
