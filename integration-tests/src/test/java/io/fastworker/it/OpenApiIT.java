package io.fastworker.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API's description as a control plane serves it: {@code /q/openapi} is exactly the committed
 * {@code docs/openapi.yaml} (so a change to the API without a refreshed copy fails the build, naming the file to copy
 * over it); it describes every path and method of the README's role table, each guarded one with the bearer scheme;
 * Swagger UI is off in production until switched on. (Who may read the description: {@link ApiAuthIT}, from the
 * same table.)
 */
class OpenApiIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path COMMITTED = Path.of("..", "docs", "openapi.yaml");
    static final Path SERVED = Path.of("target", "openapi.yaml");
    static Daemon cp;

    @BeforeAll
    static void start() throws Exception {
        cp = Daemon.controlPlane(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    void theServedDocumentIsTheCommittedOne() throws Exception {
        HttpResponse<String> yaml = cp.get("/q/openapi");
        assertEquals(200, yaml.statusCode(), yaml.body());
        Files.writeString(SERVED, yaml.body());
        String committed = Files.exists(COMMITTED) ? Files.readString(COMMITTED) : "";
        assertTrue(committed.equals(yaml.body()), "docs/openapi.yaml is not what the control plane serves at "
                + "/q/openapi: the API changed, so refresh the copy (cp integration-tests/" + SERVED
                + " docs/openapi.yaml) and review the difference");
    }

    /**
     * The request bodies' examples are the README's (each is the body of one of its {@code curl -d} commands), and
     * the API takes each one as the document says.
     */
    @Test
    void theExamplesAreTheReadmesAndTheApiTakesThem() throws Exception {
        java.util.Set<JsonNode> readmeBodies = new java.util.HashSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("-d '([^']*)'").matcher(Files.readString(Path.of(
                "..", "README.md")));
        while (m.find()) {
            try {
                readmeBodies.add(JSON.readTree(m.group(1)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
                // a form body, say
            }
        }
        JsonNode doc = JSON.readTree(cp.get("/q/openapi?format=json").body());
        int examples = 0;
        for (var path : (Iterable<Map.Entry<String, JsonNode>>) doc.get("paths")::fields) {
            for (var op : (Iterable<Map.Entry<String, JsonNode>>) path.getValue()::fields) {
                JsonNode shown = op.getValue().at("/requestBody/content/application~1json/examples");
                for (var example : (Iterable<Map.Entry<String, JsonNode>>) shown::fields) {
                    JsonNode value = example.getValue().get("value");
                    String where = op.getKey() + " " + path.getKey() + " example " + example.getKey();
                    assertTrue(readmeBodies.contains(value), where + " is not a body of the README: " + value);
                    String target = path.getKey().replace("{id}", "example-" + examples).replace("{task}", "add");
                    HttpResponse<String> r = cp.request(op.getKey().toUpperCase(java.util.Locale.ROOT), target,
                            value.toString(), Map.of());
                    assertTrue(op.getValue().at("/responses").has(String.valueOf(r.statusCode()))
                            && r.statusCode() < 300, where + " answered " + r.statusCode() + ": " + r.body());
                    examples++;
                }
            }
        }
        assertTrue(examples >= 8, "examples found: " + examples);
    }

    @Test
    void itDescribesEveryPathOfTheReadmeWithItsSecurity() throws Exception {
        HttpResponse<String> r = cp.get("/q/openapi?format=json");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode doc = JSON.readTree(r.body());
        assertEquals("bearer", doc.at("/components/securitySchemes/bearer/scheme").asText(), r.body());
        assertEquals("FastWorker API", doc.at("/info/title").asText());
        int described = 0;
        for (String[] row : ApiAuthIT.readmeTable()) {
            String method = row[0].toLowerCase(java.util.Locale.ROOT);
            String path = row[1].replace("{task}", "{name}");
            if (path.startsWith("/q/") || path.equals("/ui/")) {
                continue; // beside the API: health, metrics, the description itself, the dashboard's files
            }
            JsonNode operation = doc.path("paths").path(templateIn(doc, path)).path(method);
            assertTrue(operation.isObject(), row[0] + " " + row[1] + " is in the README but not described");
            if (!row[2].equals("none")) {
                assertTrue(operation.path("security").toString().contains("\"bearer\""),
                        row[0] + " " + row[1] + " needs a key, so it names the bearer scheme: " + operation);
            }
            described++;
        }
        assertTrue(described >= 25, "the README's table has the API's paths: " + described);
    }

    /** The document's template for a README path, whatever it names its path parameters. */
    static String templateIn(JsonNode doc, String path) {
        String shape = path.replaceAll("\\{[^}]+}", "{}");
        for (var names = doc.path("paths").fieldNames(); names.hasNext();) {
            String template = names.next();
            if (template.replaceAll("\\{[^}]+}", "{}").equals(shape)) {
                return template;
            }
        }
        return path;
    }

    @Test
    void swaggerUiIsOffInProductionUntilSwitchedOn() throws Exception {
        assertEquals(404, cp.get("/q/swagger-ui/").statusCode(), "off by default in production");
        try (Daemon on = Daemon.controlPlane(Map.of("QUARKUS_SWAGGER_UI_ENABLED", "true"))) {
            HttpResponse<String> ui = on.get("/q/swagger-ui/");
            assertEquals(200, ui.statusCode(), ui.body());
            assertTrue(ui.body().contains("swagger-ui"), ui.body());
        }
    }
}
