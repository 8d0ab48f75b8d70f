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

    /**
     * Writes a problem document ({@code application/problem+json}) as the head and body of {@code response}, unless
     * a response is under way already; the caller ends it. Returns whether it wrote.
     */
    public static boolean writeProblem(io.vertx.core.http.HttpServerResponse response, int status, String code,
            String title, String detail) {
        if (response.headWritten()) {
            return false;
        }
        io.vertx.core.buffer.Buffer body = new io.vertx.core.json.JsonObject().put("type", "urn:fastworker:problem:"
                + code).put("title", title).put("status", status).put("detail", detail).toBuffer();
        response.setStatusCode(status).putHeader("Content-Type", "application/problem+json")
                .putHeader("Content-Length", String.valueOf(body.length())).write(body);
        return true;
    }

    /** The HTTP root path, ending in {@code /}. */
    public static String rootPath() {
        String root = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.root-path", String.class).orElse("/");
        return root.endsWith("/") ? root : root + "/";
    }

    /**
     * The detail of a {@code 403}: who the caller is, the roles it has, and the role(s) the request needs
     * ({@code needed} empty: not known here).
     */
    public static String forbidden(io.quarkus.security.identity.SecurityIdentity identity,
            java.util.List<String> needed) {
        String who = identity == null ? "this API key" : "the API key '" + identity.getPrincipal().getName() + "'";
        String roles = identity == null || identity.getRoles().isEmpty() ? "no role"
                : "the role(s) " + String.join(", ", new java.util.TreeSet<>(identity.getRoles()));
        return who + " has " + roles + "; this request needs "
                + (needed.isEmpty() ? "another" : String.join(" or ", needed));
    }

    /** Whether a REST resource class is one of FastWorker's own. */
    public static boolean guards(Class<?> resource) {
        return resource != null && resource.getName().startsWith("io.fastworker.api.");
    }

}
