package io.fastworker.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which member a caller may speak Raft as: one whose Raft host its certificate names. */
class MemberIdentityTest {

    private final MemberIdentity identity = new MemberIdentity(Map.of("cp-0", "cp-0.peers", "cp-1", "cp-1.peers"));

    @Test
    void aMembersOwnCertificateSpeaksOnlyAsThatMember(@TempDir Path dir) throws Exception {
        X509Certificate cp0 = certificate(dir, "dns:cp-0.peers");
        assertNull(identity.refusal(cp0, "cp-0"));
        assertEquals("it names as its sender member cp-1, whose Raft host cp-1.peers its certificate does not name "
                + "(it names [cp-0.peers])", identity.refusal(cp0, "cp-1"));
        assertEquals("it names as its sender 'cp-9', which is not a member", identity.refusal(cp0, "cp-9"));
        assertEquals("it names as its sender member cp-0 without a certificate", identity.refusal(null, "cp-0"));
        assertNull(identity.refusal(null, null), "a message that names no member (a client's) is not checked here");
        assertEquals("it names as its sender '" + "x".repeat(64) + "…', which is not a member",
                identity.refusal(cp0, "x".repeat(10_000)), "a name a caller made up is cut short");
    }

    @Test
    void oneWildcardCertificateForAllSpeaksAsAnyMember(@TempDir Path dir) throws Exception {
        X509Certificate all = certificate(dir, "dns:*.peers");
        assertNull(identity.refusal(all, "cp-0"));
        assertNull(identity.refusal(all, "cp-1"));
    }

    /** A self-signed certificate with the subject alternative names {@code san}, made by the JDK's keytool. */
    private static X509Certificate certificate(Path dir, String san) throws Exception {
        Path store = dir.resolve("keys.p12");
        Path cert = dir.resolve("cert.pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "m", "-keyalg", "EC", "-dname", "CN=m", "-ext", "SAN=" + san,
                "-keystore", store.toString(), "-storepass", "changeit", "-validity", "2");
        run(keytool, "-exportcert", "-rfc", "-alias", "m", "-keystore", store.toString(), "-storepass", "changeit",
                "-file", cert.toString());
        try (InputStream in = Files.newInputStream(cert)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + "\n" + out);
    }
}
