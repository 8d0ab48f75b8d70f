package io.fastworker.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.engine.ChainStep;
import io.fastworker.engine.DuplicateTaskIdException;
import io.fastworker.engine.Followup;
import io.fastworker.engine.NotAcceptingException;
import io.fastworker.engine.QueueFullException;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskSpec;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jboss.logging.Logger;

/**
 * Goes on with a chain: when a step succeeds, its {@code then} is submitted with the step's result put in front of
 * its args; when a step fails or is cancelled, the chain stops there.
 *
 * <p>Guarantees: a step that succeeded submits its next step once: the next step's id is fixed
 * ({@code <first id>:then-<step>}) and taken for {@code fastworker.idempotency.window}, so a repeat (after a
 * restart) is refused. A next step refused for a full queue or while the control plane starts is tried again every
 * second for a minute, then given up with an ERROR.
 */
@ApplicationScoped
class Chains implements Followup {

    private static final Logger LOG = Logger.getLogger(Chains.class);
    private static final int TRIES = 60;

    @Inject
    SubmissionParser parser;

    @Inject
    TaskEngine engine;

    @Inject
    Clock clock;

    @Inject
    Vertx vertx;

    @Override
    public void taskEnded(TaskView view, TaskSpec spec, Map<String, String> trace, boolean afterRestart) {
        if (spec.then() == null || spec.chain() == null) {
            return;
        }
        ChainStep here = spec.chain();
        if (view.status() != TaskState.SUCCESS) {
            LOG.infof("Chain %s stopped at step %d of %d: Task(id=%s, name='%s') %s", here.id(), here.step() + 1,
                    here.steps(), view.id(), view.task(), view.status().wireName());
            return;
        }
        goOn(view.result(), spec, trace, 1);
    }

    private void goOn(JsonNode result, TaskSpec spec, Map<String, String> trace, int attempt) {
        ChainStep next = spec.chain().next();
        String id = ChainStep.taskId(next.id(), next.step());
        ObjectNode body = spec.then().deepCopy();
        ArrayNode args = JsonNodeFactory.instance.arrayNode();
        args.add(result == null ? JsonNodeFactory.instance.nullNode() : result);
        if (body.get("args") instanceof ArrayNode given) {
            args.addAll(given);
        }
        body.set("args", args);
        body.put("id", id);
        TaskSpec step;
        try {
            TaskSpec parsed = parser.parse(body, clock.instant());
            step = parsed.followedBy(parsed.then(), next);
        } catch (RuntimeException e) {
            LOG.errorf("Chain %s stopped before step %d: its submission is refused now (%s)", next.id(),
                    next.step() + 1, e.getMessage());
            return;
        }
        CompletableFuture<?> accepted;
        try {
            accepted = engine.submit(List.of(new Submission(step, null, null, true)), trace);
        } catch (RuntimeException e) {
            accepted = CompletableFuture.failedFuture(e);
        }
        accepted.whenComplete((ok, failure) -> {
            Throwable why = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            if (why == null) {
                LOG.debugf("Chain %s: step %d submitted as %s", next.id(), next.step() + 1, id);
            } else if (why instanceof DuplicateTaskIdException) {
                LOG.debugf("Chain %s: step %d was submitted before", next.id(), next.step() + 1);
            } else if ((why instanceof QueueFullException || why instanceof NotAcceptingException)
                    && attempt < TRIES) {
                vertx.setTimer(1000, t -> goOn(result, spec, trace, attempt + 1));
            } else {
                LOG.errorf("Chain %s stopped before step %d: its submission was refused (%s)", next.id(),
                        next.step() + 1, why.getMessage());
            }
        });
    }
}
