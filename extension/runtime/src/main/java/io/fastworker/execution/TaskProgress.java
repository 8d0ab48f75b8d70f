package io.fastworker.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fastworker.task.TaskContext;
import io.quarkus.runtime.annotations.RegisterForReflection;
import java.time.Instant;
import java.util.Objects;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * How far a running attempt got, as its body last reported it: {@code fraction} from 0 to 1, an optional
 * {@code message}, and when the control plane took the report ({@code at}).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TaskProgress(@Schema(minimum = "0", maximum = "1") double fraction,
        @Schema(nullable = true, maxLength = TaskContext.MAX_PROGRESS_MESSAGE) String message, Instant at) {

    public TaskProgress {
        String problem = problem(fraction, message);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        Objects.requireNonNull(at, "at");
    }

    /** What is wrong with a report of {@code fraction} and {@code message} (the same rules as the task API's), or null. */
    public static String problem(double fraction, String message) {
        if (!(fraction >= 0 && fraction <= 1)) {
            return "'fraction' must be a number from 0 to 1, got " + fraction;
        }
        if (message != null && message.length() > TaskContext.MAX_PROGRESS_MESSAGE) {
            return "'message' takes at most " + TaskContext.MAX_PROGRESS_MESSAGE + " characters, got "
                    + message.length();
        }
        return null;
    }
}
