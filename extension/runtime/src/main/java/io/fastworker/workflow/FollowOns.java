package io.fastworker.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.engine.Admission;
import io.fastworker.engine.DuplicateTaskIdException;
import io.fastworker.engine.NotAcceptingException;
import io.fastworker.engine.QueueFullException;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskSpec;
import io.fastworker.submission.SubmissionParser;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Submits a task that follows on from others (a chain's next step, a group's then). Its id is fixed and taken for
 * the idempotency window, so it is submitted once, however often this is asked; a refusal for a full queue or while
 * the control plane starts is tried again every second for a minute, then given up with an ERROR.
 */
@ApplicationScoped
class FollowOns {

    private static final Logger LOG = Logger.getLogger(FollowOns.class);
    private static final int TRIES = 60;

    @Inject
    Admission admission;

    @Inject
    Vertx vertx;

    @Inject
    SubmissionParser parser;

    @Inject
    Clock clock;

    /**
     * Submits {@code then} (a checked submission) as task {@code id}, with {@code first} put in front of its args
     * and shaped by {@code place} (its place in a chain); {@code what} names it in the log ("Chain X: step 2").
     */
    void submit(JsonNode then, JsonNode first, String id, UnaryOperator<TaskSpec> place, Map<String, String> trace,
            String what) {
        ObjectNode body = ((ObjectNode) then).deepCopy();
        ArrayNode args = JsonNodeFactory.instance.arrayNode();
        args.add(first == null ? JsonNodeFactory.instance.nullNode() : first);
        if (body.get("args") instanceof ArrayNode given) {
            args.addAll(given);
        }
        body.set("args", args);
        body.put("id", id);
        TaskSpec spec;
        try {
            spec = place.apply(parser.parse(body, clock.instant()));
        } catch (RuntimeException e) {
            LOG.errorf("%s is refused now (%s); it is not submitted", what, e.getMessage());
            return;
        }
        submit(spec, trace, what, 1);
    }

    private void submit(TaskSpec spec, Map<String, String> trace, String what, int attempt) {
        CompletableFuture<?> accepted;
        try {
            accepted = admission.submit(List.of(new Submission(spec, null, null, true)), trace);
        } catch (RuntimeException e) {
            accepted = CompletableFuture.failedFuture(e);
        }
        accepted.whenComplete((ok, failure) -> {
            Throwable why = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            if (why == null || why instanceof DuplicateTaskIdException) {
                LOG.debugf("%s submitted as %s%s", what, spec.id(), why == null ? "" : " before");
            } else if ((why instanceof QueueFullException || why instanceof NotAcceptingException)
                    && attempt < TRIES) {
                vertx.setTimer(1000, t -> submit(spec, trace, what, attempt + 1));
            } else {
                LOG.errorf("%s was refused (%s); it is not submitted", what, why.getMessage());
            }
        });
    }
}
