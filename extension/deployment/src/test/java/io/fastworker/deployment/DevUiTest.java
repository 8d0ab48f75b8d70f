package io.fastworker.deployment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.devui.tests.DevUIJsonRPCTest;
import io.quarkus.test.QuarkusDevModeTest;
import java.util.HashMap;
import java.util.Map;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Dev UI card in {@code quarkus dev}: the registered tasks with their options, a submission and its refusals, the
 * recent tasks with their results; and a task body edited while dev mode runs is the one the next submission runs.
 */
public class DevUiTest extends DevUIJsonRPCTest {

    @RegisterExtension
    static final QuarkusDevModeTest DEV = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClass(DevTasks.class).addAsResource(new StringAsset(
                    "fastworker.store.mode=memory\nfastworker.link.port=0\n"), "application.properties"));

    public DevUiTest() {
        super("quarkus-fastworker");
    }

    @Test
    void theCardListsSubmitsAndShowsResultsAndRunsEditedCode() throws Exception {
        JsonNode registered = executeJsonRPCMethod("registered");
        JsonNode greet = null;
        for (JsonNode t : registered) {
            greet = t.path("name").asText().equals("greet") ? t : greet;
        }
        assertTrue(greet != null, registered.toString());
        assertEquals("name", greet.at("/parameters/0").asText(), greet.toString());
        assertEquals("PT3S", greet.path("timeout").asText(), greet.toString());
        assertEquals(2, greet.path("maxRetries").asInt(), greet.toString());
        assertTrue(greet.path("local").asBoolean(), greet.toString());

        // Each call of the Dev UI's test client takes seconds: few calls, and waits over HTTP.
        String ada = submit("[\"Ada\"]");
        String grace = submit("{\"name\": \"Grace\"}");
        assertEquals("Hello, Ada", result(ada));
        assertEquals("Hello, Grace", result(grace));
        Map<String, JsonNode> recent = new HashMap<>();
        executeJsonRPCMethod("recent").forEach(t -> recent.put(t.path("id").asText(), t));
        assertEquals("Hello, Ada", recent.get(ada).path("result").asText(), recent.toString());
        assertEquals("success", recent.get(ada).path("status").asText(), recent.toString());
        assertEquals("Hello, Grace", recent.get(grace).path("result").asText(), recent.toString());
        assertTrue(recent.get(ada).path("submittedAt").asText().matches("\\d{4}-.*Z"), recent.toString());

        JsonNode refused = executeJsonRPCMethod("submit", Map.of("task", "greet", "args", "[1, 2]"));
        assertTrue(!refused.hasNonNull("id"), refused.toString());
        assertTrue(refused.path("error").asText().contains("greet"), refused.toString());
        refused = executeJsonRPCMethod("submit", Map.of("task", "greet", "args", "Ada"));
        assertTrue(refused.path("error").asText().contains("JSON array"), refused.toString());

        // Edit the body; the next request reloads the application, and the next submission runs the new code.
        DEV.modifySourceFile(DevTasks.class, source -> source.replace("\"Hello, \" + name", "\"Hi, \" + name"));
        given().get("/registry").then().statusCode(200);
        assertEquals("Hi, Ada", result(submit("[\"Ada\"]")));
    }

    /** Submits greet with {@code args} through the card; the task's id. */
    private String submit(String args) throws Exception {
        JsonNode submitted = executeJsonRPCMethod("submit", Map.of("task", "greet", "args", args));
        String id = submitted.path("id").asText();
        assertTrue(!id.isEmpty() && !submitted.hasNonNull("error"), submitted.toString());
        return id;
    }

    /** The result of a task that must succeed, read over HTTP once it has finished. */
    private static String result(String id) {
        return given().get("/tasks/" + id + "?wait=10s").then().statusCode(200).body("status", equalTo("success"))
                .extract().path("result");
    }
}
