package io.fastworker.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.execution.Attempt;
import io.fastworker.execution.Outcome;
import io.fastworker.execution.TaskError;
import io.fastworker.execution.TaskOptions;
import io.fastworker.limit.Limit;
import io.fastworker.limit.Rate;
import io.fastworker.task.Priority;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The link's messages as both ends write and read them: what one end writes, the other reads back as the same
 * message; a body of the wrong shape is refused with a message naming the field.
 */
class MessagesTest {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** What goes over the wire: the frame written, cut by the other end's reader, its body read back. */
    static ObjectNode overTheWire(Buffer frame) {
        List<ObjectNode> frames = new ArrayList<>();
        FrameReader<ObjectNode> reader = FrameReader.jackson(MAPPER, 1 << 20, frames::add, why -> {
            throw new AssertionError(why);
        });
        reader.handle(frame.getBuffer(0, 3)); // in two pieces, as TCP may deliver it
        reader.handle(frame.getBuffer(3, frame.length()));
        assertEquals(1, frames.size());
        return frames.get(0);
    }

    @Test
    void aJoinAsTheSubworkerWritesItIsTheJoinTheControlPlaneReads() {
        Join join = new Join(1, "w-1", List.of("resize", "send"), Map.of("resize", List.of("url", "width")),
                Map.of("resize", new TaskOptions.Overrides(Priority.HIGH, 2, Duration.ofMillis(100), 2.0,
                        Duration.ofMinutes(5), Duration.ofSeconds(1))),
                Map.of("send", new Limit(4, Rate.parse("10/s"))), 8, 2_097_152L, true, "secret",
                List.of(new Held("t-1", 2), new Held("t-2", 1)));
        ObjectNode frame = overTheWire(LinkProtocol.join(join, "reply-1"));
        assertEquals("send", frame.get("type").asText());
        assertEquals(LinkProtocol.JOIN, frame.get("address").asText());
        assertEquals("reply-1", frame.get("replyAddress").asText());
        assertEquals(join, Join.read(frame.get("body")));
    }

    @Test
    void aJoinOfTheWrongShapeIsRefusedNamingTheField() {
        ObjectNode good = new Join(1, "w-1", List.of("add"), Map.of(), Map.of(), Map.of(), 4, null, false, null,
                List.of()).toJson();
        Map<String, String> broken = Map.of(
                "workerId", "workerId must be",
                "tasks", "tasks must be a non-empty array",
                "concurrency", "concurrency must be a whole number from 1 to 10000",
                "maxFrameSize", "maxFrameSize, when given, must be a whole number of bytes from 65536",
                "batch", "batch, when given, must be true or false",
                "parameters", "parameters, when given, must map task names",
                "options", "options, when given, must map task names",
                "limits", "limits, when given, must map task names",
                "holding", "holding, when given, must be an array",
                "protocol", "unsupported protocol");
        broken.forEach((field, message) -> {
            ObjectNode body = good.deepCopy();
            body.put(field, "lies / !");
            MalformedMessageException e = assertThrows(MalformedMessageException.class, () -> Join.read(body), field);
            assertTrue(e.getMessage().startsWith(message), field + ": " + e.getMessage());
        });
        ObjectNode tooMany = good.deepCopy().put("concurrency", 10_001);
        assertThrows(MalformedMessageException.class, () -> Join.read(tooMany));
        ObjectNode foreignOptions = good.deepCopy();
        foreignOptions.putObject("options").putObject("other").put("timeout", "PT1S");
        assertTrue(assertThrows(MalformedMessageException.class, () -> Join.read(foreignOptions)).getMessage()
                .contains("which this subworker does not announce"));
        ObjectNode holdsTooMuch = good.deepCopy();
        for (int i = 0; i < 9; i++) {
            holdsTooMuch.withArray("holding").addObject().put("taskId", "t-" + i).put("attempt", 1);
        }
        assertTrue(assertThrows(MalformedMessageException.class, () -> Join.read(holdsTooMuch)).getMessage()
                .contains("more than twice the concurrency (8)"));
        for (String lie : List.of("{\"taskId\": \"t\", \"attempt\": 0}", "{\"taskId\": \"\", \"attempt\": 1}",
                "{\"taskId\": 7, \"attempt\": 1}", "{\"taskId\": \"" + "x".repeat(257) + "\", \"attempt\": 1}")) {
            ObjectNode body = good.deepCopy();
            try {
                body.withArray("holding").add(MAPPER.readTree(lie));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            assertThrows(MalformedMessageException.class, () -> Join.read(body), lie);
        }
        ObjectNode badLimit = good.deepCopy();
        badLimit.putObject("limits").putObject("add").put("maxConcurrency", 0);
        assertTrue(assertThrows(MalformedMessageException.class, () -> Join.read(badLimit)).getMessage()
                .startsWith("the limit of 'add'"));
    }

    @Test
    void aProgressReportAsTheSubworkerWritesItIsTheReportTheControlPlaneReads() {
        Progress p = new Progress("t-1", 2, 0.375, "3 of 8 pages");
        ObjectNode frame = overTheWire(LinkProtocol.send(LinkProtocol.PROGRESS, p.toJson()));
        assertEquals(LinkProtocol.PROGRESS, frame.get("address").asText());
        assertEquals(p, Progress.read(frame.get("body")));
        assertEquals(new Progress("t-1", 1, 1, null), Progress.read(readTree(
                "{\"taskId\": \"t-1\", \"attempt\": 1, \"fraction\": 1}")));
        for (String bad : List.of("{\"attempt\": 1, \"fraction\": 0.5}",
                "{\"taskId\": \"t\", \"fraction\": 0.5}",
                "{\"taskId\": \"t\", \"attempt\": 1}",
                "{\"taskId\": \"t\", \"attempt\": 1, \"fraction\": \"0.5\"}",
                "{\"taskId\": \"t\", \"attempt\": 1, \"fraction\": 1.0001}",
                "{\"taskId\": \"t\", \"attempt\": 1, \"fraction\": -1e-9}",
                "{\"taskId\": \"t\", \"attempt\": 1, \"fraction\": 0.5, \"message\": 7}",
                "{\"taskId\": \"t\", \"attempt\": 1, \"fraction\": 0.5, \"message\": \"" + "x".repeat(201)
                        + "\"}")) {
            assertThrows(MalformedMessageException.class, () -> Progress.read(readTree(bad)), bad);
        }
    }

    @Test
    void aJoinReplyAsTheControlPlaneWritesItIsTheReplyTheSubworkerReads() {
        JoinReply reply = new JoinReply(2, true, 1000, 1_048_576, 524_288, 7);
        ObjectNode frame = overTheWire(LinkProtocol.reply("reply-1", reply.toJson()));
        assertEquals("message", frame.get("type").asText());
        assertTrue(frame.get("body").get("ok").asBoolean());
        assertEquals(reply, JoinReply.read(frame.get("body")));
        ObjectNode refused = overTheWire(LinkProtocol.failedReply("reply-1", 401, "unauthorized"));
        assertEquals(401, refused.get("failureCode").asInt());
        assertFalse(refused.path("body").path("ok").asBoolean(false));
    }

    @Test
    void aTaskAsTheControlPlaneWritesItIsTheAttemptTheSubworkerRuns() {
        Attempt a = new Attempt("t-1", "resize", "high", 2, 3, JSON.arrayNode().add("https://x/y.png").add(640),
                JSON.objectNode().put("format", "webp"), Duration.ofSeconds(30),
                Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        ObjectNode one = overTheWire(LinkProtocol.messageFrame("fastworker.worker.w-1",
                Map.of("taskId", "t-1", "traceparent", a.trace().get("traceparent")),
                TaskMessage.write(MAPPER.getFactory(), a, false)));
        assertEquals(a, TaskMessage.read(one.get("body"), one.get("headers")));
        ObjectNode batch = overTheWire(LinkProtocol.batchFrame("fastworker.worker.w-1",
                List.of(TaskMessage.write(MAPPER.getFactory(), a, true), TaskMessage.write(MAPPER.getFactory(), a,
                        true))));
        for (JsonNode task : batch.get("body").get("tasks")) {
            assertEquals(a, TaskMessage.read(task, task.get("trace")));
        }
    }

    @Test
    void aTaskOfTheWrongShapeIsRefusedWithWhatItNeeds() {
        ObjectNode task = (ObjectNode) readTree(TaskMessage.write(MAPPER.getFactory(), new Attempt("t", "add",
                "normal", 1, 1, JSON.arrayNode(), JSON.objectNode(), Duration.ofSeconds(1), Map.of()), false));
        for (String field : List.of("taskId", "task", "attempt", "maxAttempts", "timeoutMs", "args", "kwargs")) {
            ObjectNode bad = task.deepCopy();
            bad.set(field, JSON.booleanNode(true));
            assertThrows(IllegalArgumentException.class, () -> TaskMessage.read(bad, null), field);
        }
        ObjectNode zero = task.deepCopy().put("timeoutMs", 0);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TaskMessage.read(zero, null)).getMessage()
                .startsWith("timeout"));
    }

    @Test
    void resultsAsTheSubworkerWritesThemAreTheResultsTheControlPlaneReads() throws Exception {
        Result ok = new Result("t-1", 1, Outcome.success(JSON.objectNode().put("width", 640)), 0);
        Result failed = new Result("t-2", 3, Outcome.failure(new TaskError(TaskError.TIMEOUT, "too slow",
                "java.util.concurrent.TimeoutException", true)), 2);
        ObjectNode single = overTheWire(LinkProtocol.sendFrame(LinkProtocol.RESULT, bytes(ok)));
        assertEquals(List.of(ok), Result.readAll(single.get("body")));
        ObjectNode both = overTheWire(LinkProtocol.sendFrame(LinkProtocol.RESULT, "results",
                List.of(bytes(ok), bytes(failed))));
        assertEquals(List.of(ok, failed), Result.readAll(both.get("body")));
    }

    @Test
    void aResultThatLiesIsReadAsLittleAsItCanSayOrRefused() {
        ObjectNode strange = JSON.objectNode().put("taskId", "t").put("attempt", 1).put("ok", "yes");
        strange.putObject("error").put("type", "root_access").put("message", 7);
        Result r = Result.readAll(strange).get(0);
        assertEquals(TaskError.TASK_ERROR, r.outcome().error().type(), "an unknown error type is a task error");
        assertEquals("", r.outcome().error().message());
        assertThrows(MalformedMessageException.class, () -> Result.readAll(JSON.objectNode().put("taskId", 5)));
        assertThrows(MalformedMessageException.class, () -> Result.readAll(JSON.objectNode().put("attempt", 1.5)));
        ObjectNode notObjects = JSON.objectNode();
        notObjects.putArray("results").add("x");
        assertThrows(MalformedMessageException.class, () -> Result.readAll(notObjects));
        assertEquals(Integer.MAX_VALUE, Credit.read(JSON.objectNode().put("credits", 1e12)).credits(),
                "a count is kept within an int");
        assertEquals(0, Credit.read(JSON.objectNode().put("credits", -5)).credits());
        assertThrows(MalformedMessageException.class, () -> Credit.read(JSON.objectNode().put("credits", "9")));
        assertEquals(new Returned("t", 2), Returned.read(new Returned("t", 2).toJson()));
    }

    private static byte[] bytes(Result r) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
            r.write(g);
        }
        return out.toByteArray();
    }

    private static JsonNode readTree(String s) {
        return readTree(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static JsonNode readTree(byte[] b) {
        try {
            return MAPPER.readTree(b);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
