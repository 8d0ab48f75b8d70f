package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * API keys and roles on a real control plane: every endpoint of the README's role table with no key, a bad key
 * and a key of each role; refusals that reveal nothing; keys rotated in the file while it runs; the client library
 * and the CLI passing a key; a bad keys file stopping the start.
 */
class ApiAuthIT {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Keys made fresh for each run; the daemon only ever sees their hashes. */
    static final Map<String, String> KEYS = new LinkedHashMap<>();
    static final List<String> ROLES = List.of("submit", "read", "admin");

    static final String ISSUER = "https://login.example.test";
    static KeyPair issuerKeys;
    static KeyPair otherKeys;

    @TempDir
    static Path dir;
    static Path keysFile;
    static Daemon cp;

    @BeforeAll
    static void start() throws Exception {
        for (String role : ROLES) {
            KEYS.put(role, "k-" + role + "-" + UUID.randomUUID());
        }
        keysFile = dir.resolve("api-keys");
        writeKeys(Map.of("submitter", "submit", "reader", "read", "ops", "admin"), KEYS);
        // An identity provider's signing key, made for this run: the control plane gets only the public half.
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        issuerKeys = rsa.generateKeyPair();
        otherKeys = rsa.generateKeyPair();
        Path publicKey = dir.resolve("issuer.pem");
        Files.writeString(publicKey, "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder(64,
                "\n".getBytes()).encodeToString(issuerKeys.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        cp = Daemon.controlPlane(Map.of("FASTWORKER_API_AUTH_KEYS_FILE", keysFile.toString(),
                "FASTWORKER_API_AUTH_KEYS_RELOAD_INTERVAL", "PT0.2S", "FASTWORKER_API_AUTH_PROTECT_METRICS", "true",
                "FASTWORKER_API_AUTH_JWT_ENABLED", "true", "MP_JWT_VERIFY_PUBLICKEY_LOCATION", publicKey.toString(),
                "MP_JWT_VERIFY_ISSUER", ISSUER));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
    }

    /** Writes the keys file: for each name its role, and the hash of the key of that role. */
    static void writeKeys(Map<String, String> roleOf, Map<String, String> keyOfRole) throws Exception {
        StringBuilder b = new StringBuilder("# written by ApiAuthIT\n\n");
        for (var e : new java.util.TreeMap<>(roleOf).entrySet()) {
            b.append(e.getKey()).append("  ").append(e.getValue()).append("  ")
                    .append(sha256(keyOfRole.get(e.getValue()))).append("   # ").append(e.getValue()).append('\n');
        }
        Path tmp = keysFile.resolveSibling("api-keys.tmp");
        Files.writeString(tmp, b.toString());
        Files.move(tmp, keysFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static String sha256(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    static Map<String, String> bearer(String key) {
        return Map.of("Authorization", "Bearer " + key);
    }

    /** A request as the table names it, {id} filled in; a body where the endpoint takes one. */
    static HttpResponse<String> call(String method, String path, String id, Map<String, String> headers)
            throws Exception {
        String p = path.replace("{id}", id).replace("{task}", id);
        String body = !method.equals("POST") || p.endsWith("/retry") ? null
                : p.equals("/tasks/batch") ? "[{\"task\": \"noop\"}]" : "{\"task\": \"noop\"}";
        if (p.startsWith("/events")) {
            // An allowed call would stream without end: a bad resume point makes it end at once, after the check.
            Map<String, String> h = new java.util.HashMap<>(headers);
            h.put("Last-Event-ID", "not-an-event-id");
            headers = h;
        }
        return cp.request(method, p, body, headers);
    }

    /** The README's role table: method, path and the role it needs ("none" for open endpoints). */
    static List<String[]> readmeTable() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int from = readme.indexOf("## API authentication");
        assertTrue(from >= 0, "the README has an API authentication section");
        String section = readme.substring(from, readme.indexOf("\n## ", from + 1));
        Matcher m = Pattern.compile("(?m)^\\| `(GET|POST|DELETE|PUT) (/[^`]*)` \\| `?([a-z]+)`?").matcher(section);
        List<String[]> rows = new ArrayList<>();
        while (m.find()) {
            rows.add(new String[] {m.group(1), m.group(2), m.group(3)});
        }
        assertTrue(rows.size() >= 13, "the role table lists every endpoint: " + rows.size());
        return rows;
    }

    /** A task that exists and stays cancellable (scheduled an hour ahead). */
    static String existingTask() throws Exception {
        HttpResponse<String> r = cp.post("/tasks", "{\"task\": \"noop\", \"countdown\": \"PT1H\"}",
                bearer(KEYS.get("submit")));
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    @Test
    void everyEndpointAnswersAsTheReadmeRoleTableSays() throws Exception {
        String existing = existingTask();
        for (String[] row : readmeTable()) {
            String method = row[0];
            String path = row[1];
            // This control plane runs with protect-metrics, where the table says /q/metrics needs read.
            String needed = path.equals("/q/metrics") ? "read" : row[2];
            String what = method + " " + path;
            if (needed.equals("none")) {
                assertEquals(200, call(method, path, "x", Map.of()).statusCode(), what + " is open");
                continue;
            }
            // No key and a bad key: 401 everywhere, the same answer whether the task exists or not.
            for (Map<String, String> credentials : List.of(Map.<String, String>of(), bearer("not-a-key"))) {
                HttpResponse<String> missing = call(method, path, "no-such-task", credentials);
                HttpResponse<String> present = call(method, path, existing, credentials);
                assertEquals(401, missing.statusCode(), what + " " + credentials.keySet() + ": " + missing.body());
                assertEquals(missing.body(), present.body(), what + ": a refusal never tells whether a task exists");
                assertEquals("Bearer realm=\"fastworker\"",
                        missing.headers().firstValue("WWW-Authenticate").orElse(null), what);
                assertTrue(missing.headers().firstValue("Content-Type").orElse("")
                        .startsWith("application/problem+json"), what);
            }
            // OPTIONS needs credentials too: it tells what a path takes.
            HttpResponse<String> options = call("OPTIONS", path, existing, Map.of());
            assertEquals(401, options.statusCode(), "OPTIONS " + path + ": " + options.body());
            assertTrue(options.body().contains("needs an API key"), options.body());
            assertEquals("Bearer realm=\"fastworker\"", options.headers().firstValue("WWW-Authenticate").orElse(null));
            for (String role : ROLES) {
                boolean allowed = role.equals(needed) || role.equals("admin");
                HttpResponse<String> r = call(method, path, "no-such-task", bearer(KEYS.get(role)));
                if (allowed) {
                    assertTrue(r.statusCode() != 401 && r.statusCode() != 403,
                            what + " with a " + role + " key is allowed: " + r.statusCode() + " " + r.body());
                } else {
                    assertEquals(403, r.statusCode(), what + " with a " + role + " key: " + r.body());
                    HttpResponse<String> onExisting = call(method, path, existing, bearer(KEYS.get(role)));
                    assertEquals(r.body(), onExisting.body(), what + ": a 403 never tells whether a task exists");
                    assertTrue(r.body().contains("needs " + needed), what + ": " + r.body());
                }
            }
        }
        // The task the walk used was refused everywhere: nothing cancelled it.
        HttpResponse<String> after = cp.request("GET", "/tasks/" + existing, null, bearer(KEYS.get("read")));
        assertEquals("scheduled", JSON.readTree(after.body()).get("status").asText());
    }

    @Test
    void malformedCredentialsAreRefusedWithAProblemAndCounted() throws Exception {
        String metricsBefore = cp.request("GET", "/q/metrics", null, bearer(KEYS.get("read"))).body();
        double before = Daemon.metric(metricsBefore, "fastworker_api_refused_total{reason=\"unauthenticated\"}");
        List<Map<String, String>> bad = List.of(Map.of("Authorization", "Basic dXNlcjpwYXNz"),
                Map.of("Authorization", "Bearer "), Map.of("Authorization", "Bearer " + "x".repeat(5000)),
                Map.of("Authorization", "Bearer " + KEYS.get("admin") + "x"),
                Map.of("Authorization", "bearer " + KEYS.get("admin").toUpperCase()));
        for (Map<String, String> h : bad) {
            HttpResponse<String> r = cp.request("GET", "/tasks", null, h);
            assertEquals(401, r.statusCode(), h + ": " + r.body());
            JsonNode problem = JSON.readTree(r.body());
            assertEquals("urn:fastworker:problem:unauthenticated", problem.get("type").asText());
            assertFalse(r.body().contains(KEYS.get("admin")), "a refusal never echoes the key");
        }
        // The scheme is case-insensitive; the key is not.
        assertEquals(200, cp.request("GET", "/tasks", null, Map.of("Authorization", "bearer " + KEYS.get("read")))
                .statusCode());
        String metricsAfter = cp.request("GET", "/q/metrics", null, bearer(KEYS.get("read"))).body();
        assertEquals(before + bad.size(),
                Daemon.metric(metricsAfter, "fastworker_api_refused_total{reason=\"unauthenticated\"}"), 0.0,
                "each refusal counted once");
        assertTrue(Daemon.metric(metricsAfter, "fastworker_api_refused_total{reason=\"forbidden\"}") >= 0);
        // Health stays open, with or without a key.
        assertEquals(200, cp.get("/q/health/ready").statusCode());
        assertEquals(200, cp.get("/q/health/live").statusCode());
    }

    @Test
    void keysRotateWhileItRunsAndABadEditChangesNothing() throws Exception {
        String second = "k-submit-2-" + UUID.randomUUID();
        Map<String, String> rotated = new LinkedHashMap<>(KEYS);
        rotated.put("submit", second);
        try {
            writeKeys(Map.of("submitter-2", "submit", "reader", "read", "ops", "admin"), rotated);
            awaitStatus(second, 202);
            awaitStatus(KEYS.get("submit"), 401);
            // A broken file (a plaintext key where its hash belongs) keeps the keys in force.
            Files.writeString(keysFile, "submitter-3 submit " + second + "\n");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!cp.log().contains("cannot be used") && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(cp.log().contains("The API keys file changed but cannot be used"), cp.log());
            assertEquals(202, submitWith(second), "the keys loaded before stay in force");
            assertFalse(cp.log().contains(second), "a key never reaches the log, even a misplaced one");
        } finally {
            writeKeys(Map.of("submitter", "submit", "reader", "read", "ops", "admin"), KEYS);
            awaitStatus(KEYS.get("submit"), 202);
        }
    }

    static int submitWith(String key) throws Exception {
        return cp.post("/tasks", "{\"task\": \"noop\"}", bearer(key)).statusCode();
    }

    static void awaitStatus(String key, int status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = submitWith(key);
            if (last == status) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("expected " + status + " within 20 s, last " + last);
    }

    @Test
    void aTasksArgumentsAreShownToAdminOnlyAndNeverLogged() throws Exception {
        long x = 900_000_000L + new java.util.Random().nextInt(99_999_999);
        HttpResponse<String> r = cp.post("/tasks", "{\"task\": \"add\", \"args\": [" + x + "], \"kwargs\": {\"y\": 7}, "
                + "\"countdown\": \"PT1H\"}", bearer(KEYS.get("submit")));
        assertEquals(202, r.statusCode(), r.body());
        String id = JSON.readTree(r.body()).get("id").asText();
        for (String role : List.of("submit", "read")) {
            HttpResponse<String> refused = cp.request("GET", "/tasks/" + id + "?include=args", null,
                    bearer(KEYS.get(role)));
            JsonNode problem = Daemon.problem(refused, 403, role + " asking for arguments");
            assertTrue(problem.get("detail").asText().contains(role.equals("read") ? "needs admin to see a task's "
                    + "arguments" : "needs read"), refused.body());
            assertFalse(refused.body().contains(String.valueOf(x)), refused.body());
        }
        HttpResponse<String> plain = cp.request("GET", "/tasks/" + id, null, bearer(KEYS.get("read")));
        assertFalse(plain.body().contains(String.valueOf(x)), "no arguments unless asked: " + plain.body());
        HttpResponse<String> shown = cp.request("GET", "/tasks/" + id + "?include=args", null,
                bearer(KEYS.get("admin")));
        assertEquals(200, shown.statusCode(), shown.body());
        JsonNode task = JSON.readTree(shown.body());
        assertEquals(id, task.get("id").asText(), "the task as GET /tasks/{id} shows it: " + shown.body());
        assertEquals("scheduled", task.get("status").asText(), shown.body());
        assertEquals(x, task.get("arguments").get("args").get(0).asLong(), shown.body());
        assertEquals(7, task.get("arguments").get("kwargs").get("y").asInt(), shown.body());
        Daemon.problem(cp.request("GET", "/tasks/" + id + "?include=result", null, bearer(KEYS.get("admin"))), 400,
                "an include that is not args");
        JsonNode settings = JSON.readTree(cp.request("GET", "/ui/settings", null, bearer(KEYS.get("admin"))).body());
        assertTrue(settings.get("argsVisible").asBoolean(), settings.toString());
        settings = JSON.readTree(cp.request("GET", "/ui/settings", null, bearer(KEYS.get("read"))).body());
        assertFalse(settings.get("argsVisible").asBoolean(), settings.toString());
        assertFalse(cp.log().contains(String.valueOf(x)), "the log never holds arguments");
    }

    @Test
    void argsVisibleFalseHidesArgumentsFromAdminsToo() throws Exception {
        try (Daemon hidden = Daemon.controlPlane(Map.of("FASTWORKER_API_ARGS_VISIBLE", "false"))) {
            String id = JSON.readTree(hidden.post("/tasks", "{\"task\": \"add\", \"args\": [1, 2], \"countdown\": "
                    + "\"PT1H\"}").body()).get("id").asText();
            JsonNode problem = Daemon.problem(hidden.get("/tasks/" + id + "?include=args"), 403,
                    "arguments hidden (auth off: the caller has every role)");
            assertTrue(problem.get("detail").asText().contains("fastworker.api.args-visible=false"),
                    problem.toString());
            assertFalse(JSON.readTree(hidden.get("/ui/settings").body()).get("argsVisible").asBoolean());
        }
    }

    @Test
    void adminActionsAreLoggedWithTheKeyNameAndNoKeyIsEverLogged() throws Exception {
        String id = existingTask();
        HttpResponse<String> cancelled = cp.request("DELETE", "/tasks/" + id, null, bearer(KEYS.get("admin")));
        assertEquals(200, cancelled.statusCode(), cancelled.body());
        assertTrue(cp.log().contains("Task(id=" + id + ") cancelled by 'ops'"), cp.log());
        for (String key : KEYS.values()) {
            assertFalse(cp.log().contains(key), "the log holds no key");
        }
    }

    @Test
    void theClientLibraryAndTheCliPassTheKey() throws Exception {
        try (FastWorkerClient anonymous = FastWorkerClient.builder().url(cp.url()).build()) {
            FastWorkerException e = assertThrows(FastWorkerException.class, () -> anonymous.delay("noop"));
            assertEquals(401, e.status());
            assertFalse(e.retryable(), "a refused key is not worth repeating");
        }
        AtomicReference<String> current = new AtomicReference<>(KEYS.get("read"));
        try (FastWorkerClient client = FastWorkerClient.builder().url(cp.url()).token(current::get).build()) {
            assertEquals(403, assertThrows(FastWorkerException.class, () -> client.delay("noop")).status());
            current.set(KEYS.get("admin")); // rotated: the next call asks the supplier again
            String id = client.delay("add", 2, 3);
            assertEquals(5, client.result(id, Duration.ofSeconds(20)).result().asInt());
            Daemon.Result ok = Daemon.run(Map.of("FASTWORKER_URL", cp.url(), "FASTWORKER_TOKEN", KEYS.get("read")),
                    "status", "--task-id", id);
            assertEquals(0, ok.exitCode(), ok.all());
            assertTrue(ok.stdout().contains("success"), ok.all());
            Daemon.Result refused = Daemon.run(Map.of("FASTWORKER_URL", cp.url()), "status", "--task-id", id);
            assertEquals(5, refused.exitCode(), refused.all());
            assertTrue(refused.stderr().contains("FASTWORKER_TOKEN"), refused.all());
            Daemon.Result forbidden = Daemon.run(Map.of("FASTWORKER_URL", cp.url()), "cancel", "--task-id", id,
                    "--token", KEYS.get("submit"));
            assertEquals(5, forbidden.exitCode(), forbidden.all());
            assertTrue(forbidden.stderr().contains("needs admin"), forbidden.all());
        }
        // The signup example passes its key from FASTWORKER_TOKEN; a submit key is all it needs.
        try (Daemon app = Daemon.app(Daemon.packaged("signup"), Map.of("FASTWORKER_URL", cp.url(),
                "FASTWORKER_TOKEN", KEYS.get("submit")))) {
            HttpResponse<String> r = app.post("/signup", "{\"userId\": \"u-7\"}");
            assertEquals(202, r.statusCode(), r.body());
            String taskId = JSON.readTree(r.body()).get("taskId").asText();
            assertEquals(200, cp.request("GET", "/tasks/" + taskId, null, bearer(KEYS.get("read"))).statusCode());
        }
        try (Daemon app = Daemon.app(Daemon.packaged("signup"), Map.of("FASTWORKER_URL", cp.url()))) {
            HttpResponse<String> r = app.post("/signup", "{\"userId\": \"u-8\"}");
            assertEquals(502, r.statusCode(), "without its key the app is refused, and says so: " + r.body());
            assertTrue(r.body().contains("API key"), r.body());
        }
        assertThrows(IllegalArgumentException.class,
                () -> FastWorkerClient.builder().url(cp.url()).token("two words"));
        assertThrows(IllegalArgumentException.class,
                () -> FastWorkerClient.builder().url(cp.url()).token("line\r\nX-Injected: 1"));
    }

    @Test
    void aBadKeysFileStopsTheStartNamingFileAndLine() throws Exception {
        Path bad = dir.resolve("bad-keys");
        Files.writeString(bad, "# fine\nci-bot submit " + KEYS.get("submit") + "\n");
        Daemon.Result r = Daemon.run(Map.of("FASTWORKER_API_AUTH_KEYS_FILE", bad.toString(), "QUARKUS_HTTP_PORT",
                String.valueOf(Daemon.freePort()), "FASTWORKER_STORE_MODE", "memory"), "--role", "control-plane",
                "--link-port", String.valueOf(Daemon.freePort()));
        assertNotEquals(0, r.exitCode(), r.all());
        assertTrue(r.all().contains(bad.toAbsolutePath() + " line 2"), r.all());
        assertTrue(r.all().contains("SHA-256"), r.all());
        assertFalse(r.all().contains(KEYS.get("submit")), "not even a misplaced key is printed");

        Files.writeString(bad, "ci-bot submit,deploy " + sha256("x") + "\n");
        r = Daemon.run(Map.of("FASTWORKER_API_AUTH_KEYS_FILE", bad.toString(), "QUARKUS_HTTP_PORT",
                String.valueOf(Daemon.freePort()), "FASTWORKER_STORE_MODE", "memory"), "--role", "control-plane",
                "--link-port", String.valueOf(Daemon.freePort()));
        assertNotEquals(0, r.exitCode(), r.all());
        assertTrue(r.all().contains("unknown role 'deploy'"), r.all());
    }

    /** A signed JWT (RS256) as an identity provider would issue it. */
    static String jwt(KeyPair signer, String issuer, String subject, List<String> groups, long expiresInSeconds)
            throws Exception {
        return jwt(signer, issuer, subject, groups, 0, expiresInSeconds);
    }

    /** A signed JWT issued {@code issuedInSeconds} from now (negative: in the past). */
    static String jwt(KeyPair signer, String issuer, String subject, List<String> groups, long issuedInSeconds,
            long expiresInSeconds) throws Exception {
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        long now = System.currentTimeMillis() / 1000;
        long iat = now + issuedInSeconds;
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(JSON.writeValueAsBytes(Map.of("iss", issuer, "sub", subject,
                "upn", subject, "groups", groups, "iat", iat, "exp", now + expiresInSeconds)));
        java.security.Signature rs256 = java.security.Signature.getInstance("SHA256withRSA");
        rs256.initSign(signer.getPrivate());
        rs256.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return header + "." + claims + "." + b64.encodeToString(rs256.sign());
    }

    @Test
    void jsonWebTokensFromTheConfiguredIssuerWorkBesideApiKeys() throws Exception {
        String reader = jwt(issuerKeys, ISSUER, "alice@example.test", List.of("read"), 300);
        assertEquals(200, cp.request("GET", "/tasks", null, bearer(reader)).statusCode());
        HttpResponse<String> refused = cp.post("/tasks", "{\"task\": \"noop\"}", bearer(reader));
        assertEquals(403, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("'alice@example.test'") && refused.body().contains("needs submit"),
                refused.body());
        // admin in the token's groups includes the other roles, as for a key
        String admin = jwt(issuerKeys, ISSUER, "bob@example.test", List.of("admin"), 300);
        String id = existingTask();
        assertEquals(200, cp.request("GET", "/tasks/" + id, null, bearer(admin)).statusCode());
        assertEquals(200, cp.request("DELETE", "/tasks/" + id, null, bearer(admin)).statusCode());
        assertTrue(cp.log().contains("Task(id=" + id + ") cancelled by 'bob@example.test'"), cp.log());
        // Refused: expired, signed by another key, from another issuer; each a 401 problem, no task looked at.
        // The clock skew is 5 s (mp.jwt.verify.clock.skew): a token expired 30 s ago, or issued two minutes from
        // now, is refused; one issued 2 s from now (a clock a little ahead) is taken.
        assertEquals(200, cp.request("GET", "/tasks", null, bearer(jwt(issuerKeys, ISSUER, "dave",
                List.of("read"), 2, 300))).statusCode());
        for (String bad : List.of(jwt(issuerKeys, ISSUER, "carol", List.of("admin"), -600),
                jwt(issuerKeys, ISSUER, "carol", List.of("admin"), -330, -30),
                jwt(issuerKeys, ISSUER, "carol", List.of("admin"), 120, 600),
                jwt(otherKeys, ISSUER, "mallory", List.of("admin"), 300),
                jwt(issuerKeys, "https://evil.example.test", "mallory", List.of("admin"), 300))) {
            HttpResponse<String> r = cp.request("GET", "/tasks/" + id, null, bearer(bad));
            assertEquals(401, r.statusCode(), r.body());
            assertTrue(r.body().contains("the token is not valid"), r.body());
            assertFalse(cp.log().contains(bad), "a token never reaches the log");
        }
        // API keys keep working beside tokens.
        assertEquals(200, cp.request("GET", "/tasks", null, bearer(KEYS.get("read"))).statusCode());
    }
}
