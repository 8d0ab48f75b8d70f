package io.fastworker.submission;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.engine.Admission;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Submissions made inside the control plane's process (tests, the Dev UI), held to the same rules as
 * {@code POST /tasks}: the same parser and the same admission.
 */
@ApplicationScoped
public class LocalSubmissions {

    @Inject
    SubmissionParser parser;

    @Inject
    Admission admission;

    @Inject
    Clock clock;

    /**
     * Submits a task written as the body of {@code POST /tasks}, once the store has recorded it.
     *
     * @return the task's id
     * @throws InvalidSubmissionException when {@code POST /tasks} would refuse it (unknown task, arguments that do
     *         not bind to its parameters, options out of range...)
     * @throws RuntimeException as {@code POST /tasks} would answer it otherwise: a full queue, a store that cannot
     *         record, a control plane that is not accepting
     */
    public String submit(JsonNode body) {
        try {
            return admission.submit(List.of(parser.submission(body, clock.instant(), null)), Map.of())
                    .get(10, TimeUnit.SECONDS).get(0).id();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while submitting", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the task store did not record the task within 10 s", e);
        }
    }
}
