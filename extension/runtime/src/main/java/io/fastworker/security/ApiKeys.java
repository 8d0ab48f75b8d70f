package io.fastworker.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The API keys of one keys file: for each, a name, its roles and the SHA-256 of the key. A presented key is
 * hashed and compared with every stored hash in constant time, so neither the time taken nor any message tells
 * how close a guess came.
 */
final class ApiKeys {

    /** One key of the file, without the key itself. */
    record ApiKey(String name, Set<String> roles, byte[] sha256) {
    }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final Pattern HASH = Pattern.compile("[0-9a-fA-F]{64}");
    /** Longer than any real key; a longer header is refused unhashed. */
    static final int MAX_KEY_LENGTH = 4096;

    private final List<ApiKey> keys;

    private ApiKeys(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
    }

    int size() {
        return keys.size();
    }

    /** Reads and checks a keys file; the message of the exception names the file and line of the first problem. */
    static ApiKeys read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IOException("the API keys file " + file.toAbsolutePath() + " does not exist");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException("the API keys file " + file.toAbsolutePath() + " is not UTF-8 text");
        }
        return parse(file.toAbsolutePath().toString(), lines);
    }

    static ApiKeys parse(String source, List<String> lines) throws IOException {
        List<ApiKey> keys = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String content = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (content.isEmpty()) {
                continue;
            }
            String where = source + " line " + (i + 1) + ": ";
            String[] fields = content.split("\\s+");
            if (fields.length != 3) {
                throw new IOException(where + "expected 'name roles sha256-of-key' (three fields), found "
                        + fields.length);
            }
            if (!NAME.matcher(fields[0]).matches()) {
                throw new IOException(where + "the key name must be 1 to 64 letters, digits, '.', '_', '@' or '-'");
            }
            if (!names.add(fields[0])) {
                throw new IOException(where + "the key name '" + fields[0] + "' is used twice");
            }
            Set<String> roles = new LinkedHashSet<>();
            for (String role : fields[1].split(",")) {
                if (!Roles.ALL.contains(role)) {
                    throw new IOException(where + "unknown role '" + role + "'; roles are a comma-separated list of "
                            + String.join(", ", Roles.ALL));
                }
                roles.add(role);
            }
            if (!HASH.matcher(fields[2]).matches()) {
                throw new IOException(where + "the third field must be the SHA-256 of the key as 64 hex digits "
                        + "(e.g. printf %s \"$KEY\" | sha256sum), never the key itself");
            }
            if (!hashes.add(fields[2].toLowerCase())) {
                throw new IOException(where + "the same key hash appears twice");
            }
            keys.add(new ApiKey(fields[0], Roles.effective(roles), HexFormat.of().parseHex(fields[2])));
        }
        return new ApiKeys(keys);
    }

    /** The key whose hash matches {@code presented}, if any. */
    Optional<ApiKey> match(String presented) {
        byte[] digest = sha256(presented);
        ApiKey found = null;
        for (ApiKey k : keys) { // every hash is compared, whichever matches
            if (MessageDigest.isEqual(digest, k.sha256()) && found == null) {
                found = k;
            }
        }
        return Optional.ofNullable(found);
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
