package io.fastworker.deployment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.QuarkusUnitTest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An application that serves its own {@code /} keeps it: the extension takes a browser from {@code /} to the
 * dashboard only where the application has nothing there; {@code /ui} still leads to the dashboard.
 */
class HostApplicationRootTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest().withApplicationRoot(jar -> jar.addClasses(Home.class));

    @Path("/")
    public static class Home {
        @GET
        public String home() {
            return "home";
        }
    }

    @Test
    void theApplicationsRootStaysItsOwn() {
        given().redirects().follow(false).get("/").then().statusCode(200).body(equalTo("home"));
        given().redirects().follow(false).get("/ui").then().statusCode(302).header("Location", endsWith("/ui/"));
    }
}
