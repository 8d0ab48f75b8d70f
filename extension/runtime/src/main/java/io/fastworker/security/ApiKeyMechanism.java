package io.fastworker.security;

import io.fastworker.telemetry.TaskMetrics;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.smallrye.jwt.runtime.auth.JsonWebTokenCredential;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Bearer credentials ({@code Authorization: Bearer <credential>}): API keys, checked against the keys file, and,
 * where a JWT verification key is configured, JSON Web Tokens, checked by smallrye-jwt. With neither, authentication
 * is off: every caller gets every role, as before authentication existed.
 */
@ApplicationScoped
class ApiKeyMechanism implements HttpAuthenticationMechanism {

    /** Routing-context key of why the credentials of a request were refused. */
    private static final String REFUSED_BECAUSE = "fastworker.auth.refused";
    private static final SecurityIdentity OPEN = QuarkusSecurityIdentity.builder()
            .setPrincipal(new QuarkusPrincipal("anonymous")).addRoles(Set.copyOf(Roles.ALL)).build();
    private static final String BEARER = "Bearer ";
    /** Three base64url parts: the shape of a signed JSON Web Token, never of an API key from the README's recipe. */
    private static final Pattern JWT = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

    @Inject
    KeysFile keys;

    @Inject
    io.fastworker.api.ApiRoutes routes;

    @Inject
    TaskMetrics metrics;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        if (!routes.guards(context.normalizedPath())) {
            return Uni.createFrom().nullItem(); // the application's own paths keep the application's own security
        }
        if (!keys.enabled()) {
            return Uni.createFrom().item(OPEN);
        }
        String header = context.request().getHeader("Authorization");
        if (header == null) {
            return Uni.createFrom().nullItem(); // anonymous: refused where a role is needed
        }
        String problem = null;
        String key = null;
        if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            problem = "the Authorization header must be 'Bearer <API key>'";
        } else if (header.length() > BEARER.length() + ApiKeys.MAX_KEY_LENGTH) {
            problem = "the API key is longer than any key this control plane issues";
        } else {
            key = header.substring(BEARER.length()).strip();
            if (key.isEmpty()) {
                problem = "the Authorization header has no API key after 'Bearer'";
            }
        }
        context.put(HttpAuthenticationMechanism.class.getName(), this); // its challenge answers this request
        if (problem != null) {
            context.put(REFUSED_BECAUSE, problem);
            return Uni.createFrom().failure(new AuthenticationFailedException(problem));
        }
        if (keys.jwtEnabled() && JWT.matcher(key).matches()) {
            // A JSON Web Token: checked by smallrye-jwt (signature, issuer, expiry), its groups claim the roles.
            return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                    new TokenAuthenticationRequest(new JsonWebTokenCredential(key)), context))
                    .onItem().transform(ApiKeyMechanism::issuedInThePast)
                    .onFailure().invoke(e -> context.put(REFUSED_BECAUSE, Authentication.BAD_TOKEN));
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(new ApiKeyRequest(key), context))
                .onFailure().invoke(e -> context.put(REFUSED_BECAUSE, Authentication.BAD_KEY));
    }

    /**
     * A token issued later than now (beyond the clock skew, {@code mp.jwt.verify.clock.skew}) is refused: its issuer's
     * clock is wrong or it was made to outlive its stated lifetime. (Expiry is checked by smallrye-jwt with the same
     * skew.)
     */
    private static SecurityIdentity issuedInThePast(SecurityIdentity identity) {
        if (identity.getPrincipal() instanceof org.eclipse.microprofile.jwt.JsonWebToken token) {
            long skew = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                    .getOptionalValue("mp.jwt.verify.clock.skew", Integer.class).orElse(60);
            long now = System.currentTimeMillis() / 1000;
            if (token.getIssuedAtTime() > now + skew) {
                throw new AuthenticationFailedException("the token was issued in the future");
            }
        }
        return identity;
    }

    /** Bearer credentials first: a request with one is answered by this mechanism alone. */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 1000;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        if (!routes.guards(context.normalizedPath())) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", Authentication.CHALLENGE));
    }

    /** The {@code 401} for refused credentials, with a problem document saying what was wrong. */
    @Override
    public Uni<Boolean> sendChallenge(RoutingContext context) {
        if (!routes.guards(context.normalizedPath())) {
            return Uni.createFrom().item(false);
        }
        String detail = context.get(REFUSED_BECAUSE);
        if (unauthorized(context.response(), detail != null ? detail : Authentication.MISSING_KEY)) {
            metrics.refused("unauthenticated"); // once per request, however often the challenge is asked for
        }
        return Uni.createFrom().item(true);
    }

    /** Writes a 401 problem document unless a response is under way already (the caller ends it). */
    private static boolean unauthorized(HttpServerResponse response, String detail) {
        if (response.headWritten()) {
            return false;
        }
        response.putHeader("WWW-Authenticate", Authentication.CHALLENGE);
        return Authentication.writeProblem(response, 401, "unauthenticated", "Unauthenticated", detail);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyRequest.class, TokenAuthenticationRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION,
                "bearer"));
    }
}
