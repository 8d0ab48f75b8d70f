package io.fastworker.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a browser or a lost client finds at the edges of the API: the dashboard's addresses lead to it, a 404 lists
 * every path the API serves (read off its resources, checked here against the README's role table), and the
 * dashboard is served with a Content-Security-Policy.
 */
@QuarkusTest
class ApiSurfaceTest {

    @Test
    void theDashboardsAddressesLeadToIt() {
        given().redirects().follow(false).get("/ui").then().statusCode(302).header("Location", endsWith("/ui/"));
        given().redirects().follow(false).get("/").then().statusCode(302).header("Location", endsWith("/ui/"));
        given().get("/ui/").then().statusCode(200).contentType(startsWith("text/html"))
                .header("Content-Security-Policy", startsWith("default-src 'self'; script-src 'self';"))
                .header("X-Content-Type-Options", "nosniff");
        given().get("/ui/app.js").then().statusCode(200)
                .header("Content-Security-Policy", startsWith("default-src 'self'"));
    }

    @Test
    void aNotFoundListsEveryPathOfTheReadmesRoleTable() throws Exception {
        String detail = given().get("/nothing-here").then().statusCode(404).contentType("application/problem+json")
                .extract().path("detail");
        Map<String, String> listed = new HashMap<>();
        Matcher m = Pattern.compile("(/[^ ,]*) \\(([A-Z, ]+)\\)").matcher(detail);
        while (m.find()) {
            listed.put(m.group(1), m.group(2));
        }
        String readme = Files.readString(Path.of("../README.md"));
        Matcher row = Pattern.compile("(?m)^\\| `(GET|POST|PUT|DELETE) (/[^`]*)` \\|").matcher(readme);
        int rows = 0;
        while (row.find()) {
            String path = row.group(2);
            if (path.startsWith("/q/") || path.equals("/ui/")) {
                assertTrue(detail.contains(path.startsWith("/q/health") ? "/q/health" : path), path + ": " + detail);
                continue;
            }
            rows++;
            String methods = listed.get(path);
            assertNotNull(methods, "the 404 lists " + path + ": " + detail);
            assertTrue(List.of(methods.split(", ")).contains(row.group(1)), path + " takes " + row.group(1) + ": "
                    + methods);
        }
        assertTrue(rows >= 28, "the README's role table was read: " + rows + " rows");
        for (String path : List.of("/ui/ (the dashboard)", "/schedules", "/events", "/overview", "/limits",
                "/groups", "/chains/{id}")) {
            assertTrue(detail.contains(path), path + ": " + detail);
        }
        assertFalse(detail.contains("/hello"), detail);
    }
}
