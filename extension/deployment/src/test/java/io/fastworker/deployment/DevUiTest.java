package io.fastworker.deployment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.test.QuarkusDevModeTest;
import io.quarkus.test.config.TestConfigProviderResolver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Dev UI card in {@code quarkus dev}: the registered tasks with their options, a submission and its refusals, the
 * recent tasks with their results; and a task body edited while dev mode runs is the one the next submission runs.
 */
public class DevUiTest {

    @RegisterExtension
    static final QuarkusDevModeTest DEV = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClass(DevTasks.class).addAsResource(new StringAsset(
                    "fastworker.store.mode=memory\nfastworker.link.port=0\n"), "application.properties"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theCardListsSubmitsAndShowsResultsAndRunsEditedCode() throws Exception {
        JsonNode registered = call("registered");
        JsonNode greet = null;
        for (JsonNode t : registered) {
            greet = t.path("name").asText().equals("greet") ? t : greet;
        }
        assertTrue(greet != null, registered.toString());
        assertEquals("name", greet.at("/parameters/0").asText(), greet.toString());
        assertEquals("PT3S", greet.path("timeout").asText(), greet.toString());
        assertEquals(2, greet.path("maxRetries").asInt(), greet.toString());
        assertTrue(greet.path("local").asBoolean(), greet.toString());

        String ada = submit("[\"Ada\"]");
        String grace = submit("{\"name\": \"Grace\"}");
        assertEquals("Hello, Ada", result(ada));
        assertEquals("Hello, Grace", result(grace));
        Map<String, JsonNode> recent = new HashMap<>();
        call("recent").forEach(t -> recent.put(t.path("id").asText(), t));
        assertEquals("Hello, Ada", recent.get(ada).path("result").asText(), recent.toString());
        assertEquals("success", recent.get(ada).path("status").asText(), recent.toString());
        assertEquals("Hello, Grace", recent.get(grace).path("result").asText(), recent.toString());
        assertTrue(recent.get(ada).path("submittedAt").asText().matches("\\d{4}-.*Z"), recent.toString());

        JsonNode refused = call("submit", Map.of("task", "greet", "args", "[1, 2]"));
        assertTrue(!refused.hasNonNull("id"), refused.toString());
        assertTrue(refused.path("error").asText().contains("greet"), refused.toString());
        refused = call("submit", Map.of("task", "greet", "args", "Ada"));
        assertTrue(refused.path("error").asText().contains("JSON array"), refused.toString());

        // Edit the body; the next request reloads the application, and the next submission runs the new code.
        DEV.modifySourceFile(DevTasks.class, source -> source.replace("\"Hello, \" + name", "\"Hi, \" + name"));
        given().get("/registry").then().statusCode(200);
        assertEquals("Hi, Ada", result(submit("[\"Ada\"]")));
    }

    /** Submits greet with {@code args} through the card; the task's id. */
    private static String submit(String args) throws Exception {
        JsonNode submitted = call("submit", Map.of("task", "greet", "args", args));
        String id = submitted.path("id").asText();
        assertTrue(!id.isEmpty() && !submitted.hasNonNull("error"), submitted.toString());
        return id;
    }

    private static JsonNode call(String method) throws Exception {
        return call(method, Map.of());
    }

    /**
     * Calls the card's JSON-RPC method as the Dev UI's page does, over the Dev UI's WebSocket, and returns its answer
     * as soon as it comes (Quarkus' own test helper waits seconds before each read).
     */
    private static JsonNode call(String method, Map<String, String> params) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("jsonrpc", "2.0").put("id", 1)
                .put("method", "quarkus-fastworker_" + method);
        request.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        StringBuilder text = new StringBuilder();
        String url = ((TestConfigProviderResolver) ConfigProviderResolver.instance()).getConfig(LaunchMode.DEVELOPMENT)
                .getValue("test.url", String.class);
        URI uri = URI.create(url.replaceFirst("^http", "ws") + "/q/dev-ui/json-rpc-ws");
        WebSocket socket = HTTP.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    try {
                        JsonNode message = JSON.readTree(text.toString());
                        if (message.path("id").asInt() == 1) {
                            answer.complete(message.path("result").path("object"));
                        }
                    } catch (Exception e) {
                        answer.completeExceptionally(e);
                    }
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }
        }).get(10, TimeUnit.SECONDS);
        try {
            socket.sendText(request.toString(), true).get(10, TimeUnit.SECONDS);
            return answer.get(30, TimeUnit.SECONDS);
        } finally {
            socket.abort();
        }
    }

    /** The result of a task that must succeed, read over HTTP once it has finished. */
    private static String result(String id) {
        return given().get("/tasks/" + id + "?wait=10s").then().statusCode(200).body("status", equalTo("success"))
                .extract().path("result");
    }
}
