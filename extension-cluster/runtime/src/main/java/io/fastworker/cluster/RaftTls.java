package io.fastworker.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * The members' mutual TLS, checked before the Raft server starts: a member whose files would leave it out of the
 * cluster (unreadable, expired, not signed by the CA, not naming its own host) refuses to start and says which.
 */
final class RaftTls {

    private RaftTls() {
    }

    /** The TLS of {@code tls}, for a member whose Raft host is {@code host}; empty when none is set. */
    static Optional<GrpcTlsConfig> read(ClusterConfig.Tls tls, String host, Clock clock) {
        if (tls.cert().isEmpty() && tls.key().isEmpty() && tls.ca().isEmpty()) {
            return Optional.empty();
        }
        if (tls.cert().isEmpty() || tls.key().isEmpty() || tls.ca().isEmpty()) {
            throw new IllegalArgumentException("fastworker.cluster.tls.cert, .key and .ca go together: set all three "
                    + "(mutual TLS between members) or none");
        }
        Path cert = readable("cert", tls.cert().get());
        Path key = readable("key", tls.key().get());
        Path ca = readable("ca", tls.ca().get());
        X509Certificate own = certificate("cert", cert);
        X509Certificate authority = certificate("ca", ca);
        try {
            own.checkValidity(Date.from(clock.instant()));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("fastworker.cluster.tls.cert " + cert + " is not valid now (from "
                    + own.getNotBefore().toInstant() + " to " + own.getNotAfter().toInstant() + ")");
        }
        try {
            own.verify(authority.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("fastworker.cluster.tls.cert " + cert + " is not signed by "
                    + "fastworker.cluster.tls.ca " + ca + ": the other members would refuse it");
        }
        if (!names(own, host)) {
            throw new IllegalArgumentException("fastworker.cluster.tls.cert " + cert + " does not name this member's "
                    + "Raft host '" + host + "' (its subject alternative names: " + sans(own) + "): the other "
                    + "members check it when they dial " + host);
        }
        try {
            if (!Files.readString(key).contains("-----BEGIN PRIVATE KEY-----")) {
                throw new IllegalArgumentException("fastworker.cluster.tls.key " + key + " must be a PKCS#8 PEM key "
                        + "(BEGIN PRIVATE KEY); convert it with: openssl pkcs8 -topk8 -nocrypt -in old.key -out "
                        + "new.key");
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("fastworker.cluster.tls.key " + key + " cannot be read: " + e);
        }
        return Optional.of(new GrpcTlsConfig(key.toFile(), cert.toFile(), ca.toFile(), true));
    }

    private static Path readable(String property, String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException("fastworker.cluster.tls." + property + " " + file
                    + " is not a readable file");
        }
        return path;
    }

    private static X509Certificate certificate(String property, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | CertificateException | ClassCastException e) {
            throw new IllegalArgumentException("fastworker.cluster.tls." + property + " " + file
                    + " is not a PEM certificate: " + e.getMessage());
        }
    }

    /** Whether a DNS or IP subject alternative name of {@code cert} matches {@code host}, as a TLS client checks. */
    static boolean names(X509Certificate cert, String host) {
        for (List<?> san : sanList(cert)) {
            int type = (Integer) san.get(0);
            String value = (String) san.get(1);
            if (type == 2 && dnsMatches(value, host) || type == 7 && ipMatches(value, host)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the DNS name {@code pattern} (a wildcard only as its whole first label) names {@code host}. */
    static boolean dnsMatches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (p.startsWith("*.")) {
            int dot = h.indexOf('.');
            return dot > 0 && h.substring(dot).equals(p.substring(1));
        }
        return p.equals(h);
    }

    /** Whether the IP address {@code address} is {@code host}, when {@code host} is an IP address. */
    static boolean ipMatches(String address, String host) {
        if (!host.matches("[0-9.]+|.*:.*")) {
            return false; // a DNS name is checked against DNS names only
        }
        try {
            return InetAddress.getByName(address).equals(InetAddress.getByName(host));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static List<String> sans(X509Certificate cert) {
        return sanList(cert).stream().map(s -> String.valueOf(s.get(1))).toList();
    }

    private static List<List<?>> sanList(X509Certificate cert) {
        try {
            Collection<List<?>> all = cert.getSubjectAlternativeNames();
            return all == null ? List.of() : List.copyOf(all);
        } catch (CertificateException e) {
            return List.of();
        }
    }
}
