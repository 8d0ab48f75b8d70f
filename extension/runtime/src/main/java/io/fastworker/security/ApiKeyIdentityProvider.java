package io.fastworker.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Turns a presented API key into the identity of its entry in the keys file: its name and roles. */
@ApplicationScoped
class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyRequest> {

    @Inject
    KeysFile keys;

    @Override
    public Class<ApiKeyRequest> getRequestType() {
        return ApiKeyRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyRequest request, AuthenticationRequestContext context) {
        // One SHA-256 of a short string: cheap enough for the event loop.
        return keys.match(request.key())
                .<Uni<SecurityIdentity>>map(k -> Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                        .setPrincipal(new QuarkusPrincipal(k.name())).addRoles(k.roles()).build()))
                .orElseGet(() -> Uni.createFrom().failure(new AuthenticationFailedException("unknown API key")));
    }
}
