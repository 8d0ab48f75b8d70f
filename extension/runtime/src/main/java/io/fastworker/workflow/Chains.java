package io.fastworker.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import io.fastworker.engine.ChainStep;
import io.fastworker.engine.TaskEndListener;
import io.fastworker.engine.TaskSpec;
import io.fastworker.engine.TaskView;
import io.fastworker.queue.TaskState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Goes on with a chain: when a step succeeds, its {@code then} is submitted with the step's result put in front of
 * its args; when a step fails or is cancelled, the chain stops there.
 *
 * <p>Guarantees: a step that succeeded submits its next step once, as {@code <first id>:then-<step>}, also when
 * the control plane restarted in between (see {@link FollowOns}).
 */
@ApplicationScoped
class Chains implements TaskEndListener {

    private static final Logger LOG = Logger.getLogger(Chains.class);

    @Inject
    FollowOns followOns;

    @Override
    public void taskEnded(TaskView view, TaskSpec spec, Map<String, String> trace, boolean afterRestart) {
        if (spec == null || spec.then() == null || spec.chain() == null) {
            return;
        }
        ChainStep here = spec.chain();
        if (view.status() != TaskState.SUCCESS) {
            LOG.infof("Chain %s stopped at step %d of %d: Task(id=%s, name='%s') %s", here.id(), here.step() + 1,
                    here.steps(), view.id(), view.task(), view.status().wireName());
            return;
        }
        goOn(view.result(), spec, trace);
    }

    private void goOn(JsonNode result, TaskSpec spec, Map<String, String> trace) {
        ChainStep next = spec.chain().next();
        followOns.submit(spec.then(), result, ChainStep.taskId(next.id(), next.step()),
                step -> step.followedBy(step.then(), next), trace,
                "Chain " + next.id() + ": step " + (next.step() + 1));
    }
}
