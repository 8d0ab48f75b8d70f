package io.fastworker.workflow;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fastworker.engine.Definitions;
import io.fastworker.engine.GroupMember;
import io.fastworker.engine.StoredGroup;
import io.fastworker.engine.TaskEndListener;
import io.fastworker.engine.TaskQueries;
import io.fastworker.engine.TaskSpec;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Ends groups: once every member of a group has ended, and all of them succeeded, its {@code then} is submitted
 * with the list of their results (in member order) put in front of its args: Celery's chord. A group with a failed
 * or cancelled member ends {@code failure} and its {@code then} is not submitted.
 *
 * <p>Guarantees: the {@code then} task is submitted once, as {@code <group>:then}, across restarts too (see
 * {@link FollowOns}).
 */
@ApplicationScoped
public class Groups implements TaskEndListener {

    private static final Logger LOG = Logger.getLogger(Groups.class);

    @Inject
    Definitions definitions;
    @Inject
    TaskQueries queries;

    @Inject
    Clock clock;

    @Inject
    FollowOns followOns;

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
    public List<TaskView> members(StoredGroup g) {
        List<TaskView> out = new ArrayList<>(g.size());
        for (int i = 0; i < g.size(); i++) {
            out.add(queries.find(GroupMember.taskId(g.id(), i)).orElse(null));
        }
        return out;
    }

    private void end(String id, Map<String, String> trace) {
        StoredGroup g = queries.group(id).orElse(null);
        if (g == null) {
            return;
        }
        List<TaskView> members = members(g);
        if (members.stream().anyMatch(v -> v == null || !v.status().isTerminal())) {
            return; // counted twice across a restart, or a member is no longer kept
        }
        ended.remove(id);
        definitions.groupEnded(id, clock.instant());
        long failed = members.stream().filter(v -> v.status() != TaskState.SUCCESS).count();
        if (failed > 0) {
            LOG.infof("Group %s ended with %d of %d members not successful%s", id, failed, g.size(),
                    g.then() == null ? "" : "; its then is not submitted");
            return;
        }
        if (g.then() != null) {
            ArrayNode results = JsonNodeFactory.instance.arrayNode();
            members.forEach(v -> results.add(v.result() == null ? JsonNodeFactory.instance.nullNode() : v.result()));
            submitThen(g, results, trace);
        }
    }

    private void submitThen(StoredGroup g, ArrayNode results, Map<String, String> trace) {
        followOns.submit(g.then(), results, GroupMember.thenId(g.id()), spec -> spec, trace,
                "Group " + g.id() + ": then");
    }
}
