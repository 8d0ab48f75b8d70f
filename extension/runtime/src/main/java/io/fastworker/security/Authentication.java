package io.fastworker.security;

/** What the API answers when it refuses credentials: the same for every path, so it reveals nothing else. */
public final class Authentication {

    /** The {@code WWW-Authenticate} header of every {@code 401}. */
    public static final String CHALLENGE = "Bearer realm=\"fastworker\"";
    public static final String MISSING_KEY = "this request needs an API key: send it as 'Authorization: Bearer <key>'";
    public static final String BAD_KEY = "the API key is not valid (unknown, revoked or mistyped)";
    public static final String BAD_TOKEN = "the token is not valid (signature, issuer, audience or expiry)";

    private Authentication() {
    }
}
