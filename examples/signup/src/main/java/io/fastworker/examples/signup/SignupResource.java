package io.fastworker.examples.signup;

import io.fastworker.client.FastWorkerClient;
import io.fastworker.client.FastWorkerException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** The classic signup flow: create the user (elided here), queue the welcome e-mail, answer at once. */
@Path("/signup")
public class SignupResource {

    /** The request body: {@code {"userId": "u-42"}}. */
    public record Signup(String userId) {
    }

    @Inject
    FastWorkerClient fastworker;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response signup(Signup signup) {
        if (signup == null || signup.userId() == null || signup.userId().isBlank()) {
            return Response.status(400).type("application/problem+json")
                    .entity(Map.of("title", "Bad request", "status", 400, "detail",
                            "body must be {\"userId\": \"...\"}"))
                    .build();
        }
        try {
            String taskId = fastworker.delay("send_welcome_email", signup.userId());
            return Response.accepted(Map.of("userId", signup.userId(), "taskId", taskId)).build();
        } catch (FastWorkerException e) {
            int status = e.retryable() ? 503 : 502;
            return Response.status(status).type("application/problem+json")
                    .entity(Map.of("title", "Could not queue the welcome e-mail", "status", status,
                            "detail", e.getMessage()))
                    .build();
        }
    }
}
