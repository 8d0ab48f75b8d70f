package io.fastworker.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every endpoint of the task API and its happy paths, against the started daemon. */
@QuarkusTest
class TaskApiTest {

    static String submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/tasks")
                .then().statusCode(202).extract().path("id");
    }

    static Response waitFor(String id) {
        return given().get("/tasks/" + id + "?wait=10s").then().statusCode(200).extract().response();
    }

    @Test
    void submitAnswers202WithIdStatusAndLocation() {
        Response r = given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"args\": [5, 3]}")
                .post("/tasks").then().statusCode(202)
                .body("id", notNullValue())
                .body("status", equalTo("queued"))
                .body("task", equalTo("add"))
                .body("priority", equalTo("normal"))
                .extract().response();
        String id = r.path("id");
        assertEquals(true, r.header("Location").endsWith("/tasks/" + id));
        waitFor(id).then().body("status", equalTo("success")).body("result", equalTo(8))
                .body("attempts", equalTo(1)).body("worker", equalTo("control-plane"))
                .body("startedAt", notNullValue()).body("finishedAt", notNullValue());
    }

    @Test
    void waitParameterReturnsTheFinishedTask() {
        given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"args\": [2], \"kwargs\": {\"y\": 40}}")
                .post("/tasks?wait=5s").then().statusCode(200)
                .body("status", equalTo("success")).body("result", equalTo(42));
    }

    @Test
    void waitThatRunsOutAnswers202WithTheCurrentState() {
        given().contentType(ContentType.JSON).body("{\"task\": \"sleep\", \"args\": [1500]}")
                .post("/tasks?wait=100ms").then().statusCode(202)
                .body("status", org.hamcrest.Matchers.oneOf("queued", "running"));
    }

    @Test
    void getReturnsEveryDocumentedField() {
        String id = submit("{\"task\": \"echo\", \"args\": [{\"a\": [1, 2]}], \"priority\": \"high\"}");
        waitFor(id).then()
                .body("id", equalTo(id))
                .body("task", equalTo("echo"))
                .body("status", equalTo("success"))
                .body("priority", equalTo("high"))
                .body("attempts", equalTo(1))
                .body("result.a", equalTo(List.of(1, 2)))
                .body("error", nullValue())
                .body("submittedAt", notNullValue())
                .body("history", hasSize(1));
    }

    @Test
    void failureCarriesErrorTypeAndMessage() {
        String id = submit("{\"task\": \"fail\", \"args\": [\"boom\"]}");
        waitFor(id).then().body("status", equalTo("failure"))
                .body("error.type", equalTo("task_error"))
                .body("error.message", equalTo("boom"))
                .body("error.exception", equalTo("java.lang.IllegalStateException"))
                .body("result", nullValue());
    }

    @Test
    void argumentsThatCannotBindAreRefusedAtSubmission() {
        refusedArguments("{\"task\": \"add\", \"args\": [1]}", "is missing argument(s) y");
        refusedArguments("{\"task\": \"add\", \"args\": [1, 2, 3]}", "takes 2 argument(s) but 3");
        refusedArguments("{\"task\": \"add\", \"args\": [1, 2], \"kwargs\": {\"z\": 1}}", "no parameter 'z'");
        refusedArguments("{\"task\": \"add\", \"args\": [1, 2], \"kwargs\": {\"x\": 1}}",
                "'x' both positionally and by name");
        refusedArguments("{\"task\": \"add\", \"kwargs\": {\"y\": 1}}", "is missing argument(s) x");
        given().contentType(ContentType.JSON).body("{\"task\": \"add\", \"kwargs\": {\"y\": 1, \"x\": 2}}")
                .post("/tasks?wait=10s").then().statusCode(200).body("result", equalTo(3));
    }

    private static void refusedArguments(String body, String detail) {
        given().contentType(ContentType.JSON).body(body).post("/tasks").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:fastworker:problem:bad-arguments"))
                .body("detail", containsString(detail))
                .body("detail", containsString("its parameters are (x, y)"))
                .body("parameters", equalTo(List.of("x", "y")));
    }

    @Test
    void argumentsOfTheWrongTypeAreATaskFailureNotACrash() {
        String wrongType = submit("{\"task\": \"add\", \"args\": [1, \"two\"]}");
        waitFor(wrongType).then().body("status", equalTo("failure"))
                .body("error.type", equalTo("bad_arguments"))
                .body("error.message", containsString("'y' must be an integer"));
        String badResult = submit("{\"task\": \"unserializable\"}");
        waitFor(badResult).then().body("status", equalTo("failure")).body("error.type", equalTo("bad_result"));
    }

    @Test
    void unknownIdIs404Problem() {
        given().get("/tasks/no-such-task").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:fastworker:problem:task-not-found"))
                .body("detail", containsString("no-such-task"));
    }

    @Test
    void batchReturnsIdsInOrderAndEveryEntryGetsItsOwnResult() {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            body.append(i == 0 ? "" : ",").append("{\"task\": \"add\", \"args\": [").append(i).append(", 1000]")
                    .append(i % 2 == 0 ? ", \"priority\": \"low\"" : "").append("}");
        }
        List<String> ids = given().contentType(ContentType.JSON).body(body.append("]").toString())
                .post("/tasks/batch").then().statusCode(202).body("ids", hasSize(20)).extract().path("ids");
        for (int i = 0; i < 20; i++) {
            waitFor(ids.get(i)).then().body("result", equalTo(1000 + i))
                    .body("priority", equalTo(i % 2 == 0 ? "low" : "normal"));
        }
    }

    @Test
    void batchWithOneBadEntryIsRefusedWholeWithItsIndex() {
        int before = given().get("/tasks?limit=1000").then().extract().path("total");
        given().contentType(ContentType.JSON)
                .body("[{\"task\": \"add\", \"args\": [1, 2]}, {\"task\": \"noop\"}, {\"task\": \"nope\"}]")
                .post("/tasks/batch").then().statusCode(400)
                .contentType("application/problem+json")
                .body("index", equalTo(2))
                .body("detail", startsWith("entry 2: "))
                .body("detail", containsString("no task of this batch was accepted"));
        int after = given().get("/tasks?limit=1000").then().extract().path("total");
        assertEquals(before, after, "a refused batch must not leave any task behind");
    }

    @Test
    void cancelWithdrawsAScheduledTaskAndRefusesFinishedOnes() {
        String id = submit("{\"task\": \"add\", \"args\": [1, 2], \"countdown\": 30}");
        given().get("/tasks/" + id).then().body("status", equalTo("scheduled")).body("scheduledFor", notNullValue());
        given().delete("/tasks/" + id).then().statusCode(200).body("status", equalTo("cancelled"));
        given().get("/tasks/" + id).then().statusCode(200).body("status", equalTo("cancelled"))
                .body("finishedAt", notNullValue());
        given().delete("/tasks/" + id).then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("is cancelled"));
        String done = submit("{\"task\": \"add\", \"args\": [1, 2]}");
        waitFor(done);
        given().delete("/tasks/" + done).then().statusCode(409).body("detail", containsString("is success"));
    }

    @Test
    void cancellingARunningTaskStopsItAndThenItIsCancelled() {
        String key = "cancel-running-" + System.nanoTime();
        String id = submit("{\"task\": \"gate\", \"args\": [\"" + key + "\"]}");
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"running".equals(given().get("/tasks/" + id).path("status"))
                && System.currentTimeMillis() < deadline) {
            Thread.onSpinWait();
        }
        given().delete("/tasks/" + id).then().statusCode(202).body("status", org.hamcrest.Matchers.oneOf(
                "cancelling", "cancelled"));
        waitFor(id).then().body("status", equalTo("cancelled")).body("result", org.hamcrest.Matchers.nullValue());
        io.fastworker.TestTasks.open(key);
        given().delete("/tasks/" + id).then().statusCode(409).body("taskStatus", equalTo("cancelled"));
    }

    @Test
    void listingIsNewestSubmissionFirstWhateverWasRead() {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = submit("{\"task\": \"add\", \"args\": [" + i + ", 0]}");
            waitFor(id);
            ids.add(id);
        }
        for (int i = 0; i < 3; i++) { // reading the oldest ones must not make them "newest"
            given().get("/tasks/" + ids.get(0)).then().statusCode(200);
            given().get("/tasks/" + ids.get(1)).then().statusCode(200);
        }
        given().get("/tasks?limit=2").then().statusCode(200).body("items.id", equalTo(List.of(ids.get(5),
                ids.get(4))));
        given().get("/tasks?limit=6").then().statusCode(200).body("items.id", equalTo(List.of(ids.get(5), ids.get(4),
                ids.get(3), ids.get(2), ids.get(1), ids.get(0))));
    }

    @Test
    void cancellingAnUnknownIdIs404NotSuccess() {
        given().delete("/tasks/never-submitted").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void countdownTaskWaitsThenRunsExactlyOnce() {
        String key = "countdown-" + System.nanoTime();
        Instant before = Instant.now();
        String id = submit("{\"task\": \"count\", \"args\": [\"" + key + "\"], \"countdown\": \"700ms\"}");
        given().get("/tasks/" + id).then().body("status", equalTo("scheduled"));
        Response done = waitFor(id);
        done.then().body("status", equalTo("success")).body("attempts", equalTo(1)).body("history", hasSize(1));
        Instant started = Instant.parse(done.path("startedAt"));
        assertEquals(true, !started.isBefore(before.plusMillis(700)), "started " + started + ", submitted " + before);
        assertEquals(1, io.fastworker.TestTasks.RUNS.get(key).get());
    }

    @Test
    void etaInThePastRunsAtOnce() {
        String id = submit("{\"task\": \"add\", \"args\": [1, 1], \"eta\": \"2020-01-01T00:00:00Z\"}");
        waitFor(id).then().body("result", equalTo(2));
    }

    @Test
    void clientMayChooseTheIdButNotReuseIt() {
        String id = "order-" + System.nanoTime();
        given().contentType(ContentType.JSON).body("{\"id\": \"" + id + "\", \"task\": \"noop\"}").post("/tasks")
                .then().statusCode(202).body("id", equalTo(id));
        given().contentType(ContentType.JSON).body("{\"id\": \"" + id + "\", \"task\": \"noop\"}").post("/tasks")
                .then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("already in use"));
    }

    @Test
    void listFiltersByStatusAndTaskAndLimits() {
        String id = submit("{\"task\": \"echo\", \"args\": [\"listed\"]}");
        waitFor(id);
        given().get("/tasks?task=echo&status=success&limit=500").then().statusCode(200)
                .body("items.id", hasItem(id))
                .body("items.task", org.hamcrest.Matchers.everyItem(equalTo("echo")))
                .body("items.status", org.hamcrest.Matchers.everyItem(equalTo("success")));
        int all = given().get("/tasks?limit=1").then().statusCode(200).body("items", hasSize(1)).extract()
                .path("total");
        assertTrue(all > 1, "total counts every match, not the page: " + all);
        given().get("/tasks?status=failure&task=echo").then().body("items.id", org.hamcrest.Matchers.not(hasItem(id)));
    }

    @Test
    void registryListsTasksWithOptions() {
        given().get("/registry").then().statusCode(200)
                .body("name", hasItems("add", "echo", "sleep", "fail", "noop", "send_welcome_email"))
                .body("find { it.name == 'add' }.parameters", equalTo(List.of("x", "y")))
                .body("find { it.name == 'flaky' }.maxRetries", equalTo(3))
                .body("find { it.name == 'flaky' }.retryDelay", equalTo("PT0.05S"))
                .body("find { it.name == 'add' }.timeout", equalTo("PT5M"));
    }

    @Test
    void workersListTheControlPlane() {
        given().get("/workers").then().statusCode(200)
                .body("$", hasSize(1))
                .body("[0].id", equalTo("control-plane"))
                .body("[0].kind", equalTo("control-plane"))
                .body("[0].concurrency", equalTo(8))
                .body("[0].tasks", hasItem("add"));
    }

    @Test
    void welcomeEmailExampleRuns() {
        given().contentType(ContentType.JSON).body("{\"task\": \"send_welcome_email\", \"args\": [42]}")
                .post("/tasks?wait=5s").then().statusCode(200)
                .body("result", equalTo(Map.of("user_id", 42, "sent", true)));
    }

    @Test
    void healthIsLiveAndReady() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'task-queue' }.status", equalTo("UP"));
    }

    @Test
    void metricsAreServedInPrometheusFormat() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("# TYPE"));
    }
}
