package io.fastworker.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fastworker.engine.Accepted;
import io.fastworker.queue.TaskState;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A batch accepted: its tasks' ids in order, each task's status now (null for a repeat whose result is no longer
 * kept), and, when any entry repeated an earlier request's idempotency key, which ones did.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = {"ids", "status"})
public record BatchAccepted(List<String> ids, List<TaskState> status, List<Boolean> repeated) {

    static BatchAccepted of(List<Accepted> answers) {
        boolean anyRepeated = answers.stream().anyMatch(Accepted::repeated);
        return new BatchAccepted(answers.stream().map(Accepted::id).toList(),
                answers.stream().map(a -> a.view() == null ? null : a.view().status()).toList(),
                anyRepeated ? answers.stream().map(Accepted::repeated).toList() : null);
    }
}
