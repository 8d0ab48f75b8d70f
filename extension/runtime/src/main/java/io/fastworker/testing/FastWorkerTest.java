package io.fastworker.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.engine.TaskQueries;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import io.fastworker.submission.LocalSubmissions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs an application's own {@code @Task} methods from its {@code @QuarkusTest}s, in the test's process: inject it,
 * then {@link #call} a task, or {@link #submit} one and {@link #awaitResult} it.
 * <p>
 * A task goes through the same engine as one submitted over HTTP: its arguments are checked against the method's
 * parameters (a bad one is refused at submission, as {@code POST /tasks} refuses it), its options apply (timeout,
 * retries and their delays, limits), and the control plane's own executor runs it. Under the {@code test} profile the
 * extension keeps tasks in memory and listens on free ports, so tests need no second process and leave nothing
 * behind. Nothing here is reachable from the network, and a production application that never injects it does not
 * contain it (Quarkus removes unused beans).
 */
@ApplicationScoped
public class FastWorkerTest {

    /** How long {@link #call} and {@link #awaitResult(String)} wait for a task to finish. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);

    @Inject
    LocalSubmissions submissions;

    @Inject
    TaskQueries queries;

    @Inject
    ObjectMapper json;

    /**
     * Submits {@code task} with positional arguments (converted to JSON as Jackson writes them) and its registered
     * options.
     *
     * @return the task's id
     * @throws io.fastworker.submission.InvalidSubmissionException when {@code POST /tasks} would refuse it (unknown
     *         task, arguments that do not bind to its parameters...)
     */
    public String submit(String task, Object... args) {
        ObjectNode body = json.createObjectNode().put("task", task);
        body.set("args", json.valueToTree(Arrays.asList(args)));
        return submissions.submit(body);
    }

    /**
     * Submits a task written as the body of {@code POST /tasks}: {@code task} and any of {@code args}, {@code kwargs},
     * {@code priority}, {@code countdown}, {@code maxRetries}, {@code timeout} and the other fields the README lists.
     *
     * @return the task's id
     */
    public String submit(Map<String, ?> submission) {
        return submissions.submit(json.valueToTree(submission));
    }

    /** The task once it has finished (succeeded, failed, cancelled), waiting up to {@link #DEFAULT_WAIT}. */
    public TaskView awaitResult(String id) {
        return awaitResult(id, DEFAULT_WAIT);
    }

    /**
     * The task once it has finished, whatever the outcome: its {@link TaskView#status()}, {@link TaskView#result()}
     * and {@link TaskView#error()} say how it went.
     *
     * @throws AssertionError when it has not finished within {@code timeout} (with the task as it is then)
     * @throws IllegalArgumentException when no task has that id
     */
    public TaskView awaitResult(String id, Duration timeout) {
        var done = queries.completion(id).orElseThrow(() -> new IllegalArgumentException("no task has the id "
                + id));
        try {
            return done.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            TaskView now = queries.find(id).orElse(null);
            throw new AssertionError("task " + id + " did not finish within " + timeout + "; it is "
                    + (now == null ? "gone" : now.status().wireName() + " after " + now.attempts() + " attempt(s)"));
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for task " + id, e);
        }
    }

    /**
     * Runs {@code task} with positional arguments and gives back its result as {@code type}, as a client would read
     * it from {@code GET /tasks/{id}}.
     *
     * @throws AssertionError when the task does not succeed within {@link #DEFAULT_WAIT}, naming its error
     */
    public <T> T call(Class<T> type, String task, Object... args) {
        TaskView done = awaitResult(submit(task, args));
        if (done.status() != TaskState.SUCCESS) {
            throw new AssertionError(task + " ended " + done.status().wireName() + (done.error() == null ? ""
                    : ": " + done.error().type() + ": " + done.error().message()));
        }
        return json.convertValue(done.result(), type);
    }
}
