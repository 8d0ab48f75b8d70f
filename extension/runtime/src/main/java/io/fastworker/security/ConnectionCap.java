package io.fastworker.security;

import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * Makes {@code quarkus.http.limits.max-connections} hold. Vert.x hands a connection to Quarkus's connection counter
 * only once it is an HTTP connection: never while a plaintext one waits to tell HTTP/1 from cleartext HTTP/2 (h2c),
 * nor while a TLS one that chose HTTP/2 waits for its client's preface; such connections were held uncounted. So
 * the API speaks HTTP/1.1 only (TLS still negotiates it through ALPN): every connection is counted from its first
 * request bytes, and one past the cap is closed at once.
 */
@ApplicationScoped
class ConnectionCap implements HttpServerOptionsCustomizer {

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        options.setHttp2ClearTextEnabled(false);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        options.setAlpnVersions(List.of(HttpVersion.HTTP_1_1));
    }
}
