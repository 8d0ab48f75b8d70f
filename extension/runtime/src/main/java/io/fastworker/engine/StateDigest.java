package io.fastworker.engine;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A fingerprint of the state a member of a cluster holds: the SHA-256 of its snapshot. Members that applied the same
 * committed entries give the same fingerprint, which is how a test (or an operator) checks that every decision
 * travels in the log rather than being made again on each member. Taking one reads the whole state; one is taken at
 * a time.
 */
@ApplicationScoped
public class StateDigest {

    /** {@code sha256} of the snapshot, which is {@code bytes} long. */
    public record Fingerprint(String sha256, long bytes) {
    }

    @Inject
    Replicated replica;

    /** The fingerprint of the state held now (one in the making while entries are applied may fall between two). */
    public synchronized Fingerprint take() {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        long[] bytes = {0};
        try {
            replica.write(new OutputStream() {
                @Override
                public void write(int b) {
                    sha.update((byte) b);
                    bytes[0]++;
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    sha.update(b, off, len);
                    bytes[0] += len;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Fingerprint(HexFormat.of().formatHex(sha.digest()), bytes[0]);
    }
}
