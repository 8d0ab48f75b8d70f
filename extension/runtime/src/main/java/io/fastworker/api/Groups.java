package io.fastworker.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fastworker.engine.DuplicateTaskIdException;
import io.fastworker.engine.Followup;
import io.fastworker.engine.GroupMember;
import io.fastworker.engine.NotAcceptingException;
import io.fastworker.engine.QueueFullException;
import io.fastworker.engine.StoredGroup;
import io.fastworker.engine.Submission;
import io.fastworker.engine.TaskEngine;
import io.fastworker.engine.TaskSpec;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Ends groups: once every member of a group has ended, and all of them succeeded, its {@code then} is submitted
 * with the list of their results (in member order) put in front of its args: Celery's chord. A group with a failed
 * or cancelled member ends {@code failure} and its {@code then} is not submitted.
 *
 * <p>Guarantees: the {@code then} task's id is fixed ({@code <group>:then}) and taken for the idempotency window, so
 * it is submitted once, across restarts too. Refused for a full queue, it is tried again every second for a minute.
 */
@ApplicationScoped
class Groups implements Followup {

    private static final Logger LOG = Logger.getLogger(Groups.class);
    private static final int TRIES = 60;

    @Inject
    TaskEngine engine;

    @Inject
    SubmissionParser parser;

    @Inject
    Clock clock;

    @Inject
    Vertx vertx;

    /** Members ended per group since start (those that ended before a restart are told again at start). */
    private final Map<String, AtomicInteger> ended = new ConcurrentHashMap<>();

    @Override
    public void taskEnded(TaskView view, TaskSpec spec, Map<String, String> trace, boolean afterRestart) {
        GroupMember m = view.group();
        if (m == null) {
            return;
        }
        if (ended.computeIfAbsent(m.id(), k -> new AtomicInteger()).incrementAndGet() >= m.size()) {
            end(m.id(), trace);
        }
    }

    /** The members of a group as they are now, in order; null where one is no longer known. */
    List<TaskView> members(StoredGroup g) {
        List<TaskView> out = new ArrayList<>(g.size());
        for (int i = 0; i < g.size(); i++) {
            out.add(engine.find(GroupMember.taskId(g.id(), i)).orElse(null));
        }
        return out;
    }

    private void end(String id, Map<String, String> trace) {
        StoredGroup g = engine.group(id).orElse(null);
        if (g == null) {
            return;
        }
        List<TaskView> members = members(g);
        if (members.stream().anyMatch(v -> v == null || !v.status().isTerminal())) {
            return; // counted twice across a restart, or a member is no longer kept
        }
        ended.remove(id);
        engine.groupEnded(id, clock.instant());
        long failed = members.stream().filter(v -> v.status() != TaskState.SUCCESS).count();
        if (failed > 0) {
            LOG.infof("Group %s ended with %d of %d members not successful%s", id, failed, g.size(),
                    g.then() == null ? "" : "; its then is not submitted");
            return;
        }
        if (g.then() != null) {
            ArrayNode results = JsonNodeFactory.instance.arrayNode();
            members.forEach(v -> results.add(v.result() == null ? JsonNodeFactory.instance.nullNode() : v.result()));
            submitThen(g, results, trace, 1);
        }
    }

    private void submitThen(StoredGroup g, ArrayNode results, Map<String, String> trace, int attempt) {
        ObjectNode body = ((ObjectNode) g.then()).deepCopy();
        ArrayNode args = JsonNodeFactory.instance.arrayNode();
        args.add(results);
        if (body.get("args") instanceof ArrayNode given) {
            args.addAll(given);
        }
        body.set("args", args);
        body.put("id", GroupMember.thenId(g.id()));
        TaskSpec spec;
        try {
            spec = parser.parse(body, clock.instant());
        } catch (RuntimeException e) {
            LOG.errorf("Group %s: its then is refused now (%s)", g.id(), e.getMessage());
            return;
        }
        CompletableFuture<?> accepted;
        try {
            accepted = engine.submit(List.of(new Submission(spec, null, null, true)), trace);
        } catch (RuntimeException e) {
            accepted = CompletableFuture.failedFuture(e);
        }
        accepted.whenComplete((ok, failure) -> {
            Throwable why = failure instanceof CompletionException c && c.getCause() != null ? c.getCause() : failure;
            if (why == null || why instanceof DuplicateTaskIdException) {
                LOG.debugf("Group %s: then submitted as %s", g.id(), spec.id());
            } else if ((why instanceof QueueFullException || why instanceof NotAcceptingException)
                    && attempt < TRIES) {
                vertx.setTimer(1000, t -> submitThen(g, results, trace, attempt + 1));
            } else {
                LOG.errorf("Group %s: its then was refused (%s)", g.id(), why.getMessage());
            }
        });
    }
}
