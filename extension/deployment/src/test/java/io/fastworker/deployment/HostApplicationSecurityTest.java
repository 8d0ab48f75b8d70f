package io.fastworker.deployment;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.QuarkusUnitTest;
import io.restassured.http.ContentType;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An application with its own security (Basic auth, its own roles) that adds the extension: FastWorker's
 * authentication answers for FastWorker's paths only, so the application's endpoints keep their own challenge and
 * roles, while FastWorker's API stays open (no keys file).
 */
class HostApplicationSecurityTest {

    @RegisterExtension
    static final QuarkusUnitTest APP = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(Hello.class))
            .overrideConfigKey("quarkus.http.auth.basic", "true")
            .overrideConfigKey("quarkus.security.users.embedded.enabled", "true")
            .overrideConfigKey("quarkus.security.users.embedded.plain-text", "true")
            .overrideConfigKey("quarkus.security.users.embedded.users.alice", "wonderland")
            .overrideConfigKey("quarkus.security.users.embedded.roles.alice", "user")
            .overrideConfigKey("quarkus.security.users.embedded.users.eve", "eavesdrop")
            .overrideConfigKey("quarkus.security.users.embedded.roles.eve", "guest");

    @Path("/hello")
    public static class Hello {
        @GET
        @RolesAllowed("user")
        public String hello() {
            return "hello";
        }

        @GET
        @Path("/admin")
        @RolesAllowed("admin") // a role FastWorker also knows: never granted by FastWorker's open API
        public String admin() {
            return "admin";
        }
    }

    @Test
    void theApplicationsEndpointsKeepTheirOwnSecurity() {
        given().get("/hello").then().statusCode(401).header("WWW-Authenticate", startsWith("basic"));
        given().auth().preemptive().basic("alice", "wonderland").get("/hello").then().statusCode(200)
                .body(equalTo("hello"));
        given().auth().preemptive().basic("eve", "eavesdrop").get("/hello").then().statusCode(403);
        given().get("/hello/admin").then().statusCode(401);
        given().auth().preemptive().basic("alice", "wonderland").get("/hello/admin").then().statusCode(403);
    }

    @Test
    void fastWorkersOwnApiStaysOpenWithoutAKeysFile() {
        given().contentType(ContentType.JSON).body("{\"task\": \"nope\"}").post("/tasks").then().statusCode(400)
                .body("type", equalTo("urn:fastworker:problem:unknown-task"));
        given().get("/tasks").then().statusCode(200);
    }
}
