package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS on the API through the Quarkus TLS registry: the client library and the CLI trust a given certificate, an
 * untrusted certificate is refused with its reason, and a renewed certificate is served without a restart.
 */
class HttpsIT {

    @TempDir
    static Path dir;
    static TestCertificates certs;
    static Daemon cp;
    static int httpsPort;

    @BeforeAll
    static void start() throws Exception {
        certs = new TestCertificates(dir).ca("ca").ca("other-ca")
                .cert("server", "localhost", "DNS:localhost,IP:127.0.0.1", "ca", 2)
                .cert("renewed", "localhost", "DNS:localhost,IP:127.0.0.1", "ca", 2);
        Files.copy(certs.file("server.crt"), certs.file("live.crt"));
        Files.copy(certs.file("server.key"), certs.file("live.key"));
        httpsPort = Daemon.freePort();
        cp = Daemon.controlPlane(Map.of("QUARKUS_HTTP_SSL_PORT", String.valueOf(httpsPort),
                "QUARKUS_TLS_KEY_STORE_PEM__0__CERT", certs.file("live.crt").toString(),
                "QUARKUS_TLS_KEY_STORE_PEM__0__KEY", certs.file("live.key").toString(),
                "QUARKUS_TLS_RELOAD_PERIOD", "PT1S"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
    }

    static String https() {
        return "https://localhost:" + httpsPort;
    }

    @Test
    void theClientLibraryAndTheCliSpeakHttpsTrustingTheGivenCertificate() throws Exception {
        try (FastWorkerClient client = FastWorkerClient.builder().url(https())
                .trustCertificate(certs.file("ca.crt")).build()) {
            String id = client.delay("add", 2, 3);
            assertEquals(5, client.result(id, Duration.ofSeconds(20)).result().asInt());
            Daemon.Result cli = Daemon.run(Map.of("FASTWORKER_URL", https(), "FASTWORKER_TRUST_CERT",
                    certs.file("ca.crt").toString()), "status", "--task-id", id);
            assertEquals(0, cli.exitCode(), cli.all());
            assertTrue(cli.stdout().contains("Status: success"), cli.all());
        }
    }

    @Test
    void anUntrustedCertificateIsRefusedWithItsReason() throws Exception {
        try (FastWorkerClient client = FastWorkerClient.builder().url(https())
                .trustCertificate(certs.file("other-ca.crt")).build()) {
            FastWorkerException e = assertThrows(FastWorkerException.class, () -> client.delay("noop"));
            assertEquals(0, e.status(), "not reached: " + e.getMessage());
            assertTrue(e.getMessage().contains("PKIX") || e.getMessage().contains("certification path"),
                    e.getMessage());
        }
        Daemon.Result cli = Daemon.run(Map.of("FASTWORKER_URL", https()), "submit", "--task-name", "noop");
        assertEquals(3, cli.exitCode(), "the JVM's CAs do not know this test CA: " + cli.all());
    }

    @Test
    void aRenewedCertificateIsServedWithoutARestart() throws Exception {
        BigInteger before = servedSerial();
        assertEquals(serial(certs.file("server.crt")), before);
        Files.copy(certs.file("renewed.key"), certs.file("live.key.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(certs.file("renewed.crt"), certs.file("live.crt.tmp"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(certs.file("live.key.tmp"), certs.file("live.key"), StandardCopyOption.REPLACE_EXISTING);
        Files.move(certs.file("live.crt.tmp"), certs.file("live.crt"), StandardCopyOption.REPLACE_EXISTING);
        BigInteger renewed = serial(certs.file("renewed.crt"));
        assertNotEquals(before, renewed);
        // The key and the certificate are two files: a reload between their moves may pair the new key with the
        // old certificate for a moment, and that handshake fails; the next reload serves the renewed pair.
        Daemon.await(() -> {
            try {
                return servedSerial();
            } catch (javax.net.ssl.SSLException midSwap) {
                return null;
            }
        }, renewed::equals, Duration.ofSeconds(30), "the renewed certificate served");
    }

    static BigInteger serial(Path pem) throws Exception {
        try (InputStream in = Files.newInputStream(pem)) {
            return ((X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in))
                    .getSerialNumber();
        }
    }

    /** The serial number of the certificate the HTTPS port presents now (a fresh TLS session each time). */
    static BigInteger servedSerial() throws Exception {
        SSLContext context = certs.clientContext(null, "ca");
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", httpsPort)) {
            socket.startHandshake();
            return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
