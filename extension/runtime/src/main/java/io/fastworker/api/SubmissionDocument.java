package io.fastworker.api;

import io.fastworker.engine.Callback;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A submission as {@code POST /tasks} takes it, for the API's description only: the resources read submissions with
 * {@code SubmissionParser}, which refuses a field this record does not name ({@code SubmissionDocumentTest} holds the
 * two to the same fields).
 */
@Schema(name = "Submission", description = "A task to run. Only task is required; an unknown field is refused (400).")
public record SubmissionDocument(
        @Schema(description = "The task's name, as registered (GET /registry)", required = true,
                example = "add") String task,
        @Schema(description = "Positional arguments", example = "[5, 3]") List<Object> args,
        @Schema(description = "Named arguments") Map<String, Object> kwargs,
        @Schema(description = "A client-chosen id: 1 to 128 characters of A-Z a-z 0-9 . _ : -, starting with a "
                + "letter, a digit or _; refused (409) if used within fastworker.idempotency.window") String id,
        @Schema(description = "Dispatch order: every critical task goes before any high one, and so on",
                enumeration = {
                    "critical", "high", "normal", "low"},
                defaultValue = "normal") String priority,
        @Schema(description = "Run it no sooner than this long from now (at most 366 days): ISO-8601 (PT60S), "
                + "seconds (60, 1.5) or a number with a unit (500ms, 30s, 5m)",
                oneOf = {String.class, Double.class}) Object countdown,
        @Schema(description = "Run it no sooner than this instant (at most 366 days ahead)", type = SchemaType.STRING,
                format = "date-time") String eta,
        @Schema(description = "Retries after a failure or timeout", minimum = "0", maximum = "1000") Integer maxRetries,
        @Schema(description = "How long one attempt may run (more than 0, at most 7 days); a duration as countdown",
                oneOf = {String.class, Double.class}) Object timeout,
        @Schema(description = "The wait before the first retry (at most 7 days); a duration as countdown",
                oneOf = {String.class, Double.class}) Object retryDelay,
        @Schema(description = "The factor each further retry's wait grows by", minimum = "1",
                maximum = "100") Double retryBackoff,
        @Schema(description = "The longest wait between retries (at most 7 days); a duration as countdown",
                oneOf = {String.class, Double.class}) Object retryBackoffMax,
        @Schema(description = "In a batch entry: the idempotency key (1 to 255 visible ASCII characters); a single "
                + "submission takes it as the Idempotency-Key header") String idempotencyKey,
        @Schema(description = "Where to POST the task's end") Callback callback,
        @Schema(description = "A chain's next step, submitted when this task succeeds, with its result put in front "
                + "of the step's args (at most 100 steps; a step "
                + "may not set id or idempotencyKey)") SubmissionDocument then){
}
