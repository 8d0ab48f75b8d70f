package io.fastworker.api;

import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The filters {@code GET /dead-letters} and {@code POST /dead-letters/retry} share; blank means no filter. */
public class DeadLetterFilter {

    @Parameter(description = "Only tasks of this name")
    @QueryParam("task")
    String task;

    @Parameter(description = "Only failures of this error type (task_error, timeout, worker_lost, ...)")
    @QueryParam("errorType")
    String errorType;

    @Parameter(description = "Only failures at or after this instant (ISO-8601)")
    @QueryParam("since")
    String since;

    @Parameter(description = "Only failures before this instant (ISO-8601)")
    @QueryParam("until")
    String until;
}
