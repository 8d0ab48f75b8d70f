package io.fastworker.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fastworker.config.FastWorkerConfig;
import io.fastworker.engine.TaskQueries;
import io.fastworker.events.TaskFeed;
import io.fastworker.security.Roles;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.vertx.core.Vertx;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /events}: the tasks' state changes as Server-Sent Events, live.
 *
 * <p>Guarantees: each change of a task is sent once, in the order it happened, as {@code event: task} with id
 * {@code <epoch>.<seq>}; a running attempt's progress reports as {@code event: progress} (at most ten a second per
 * task; the latest is always readable at {@code GET /tasks/{id}}). A client that reconnects with {@code Last-Event-ID} gets every change since, as long as it
 * is among the last {@code fastworker.events.buffer}; otherwise (or after a control-plane restart) it first gets an
 * {@code event: gap} naming what it missed, then the changes still kept. A client that falls that far behind while
 * connected gets an {@code event: gap} and the stream ends: the control plane never buffers for a slow reader.
 * Arguments are never sent; results and errors only with {@code ?include=result}.
 */
@Tag(name = "Events", description = "A live feed of task state changes (server-sent events).")
@Path("/events")
public class EventsResource {

    @Inject
    TaskFeed feed;

    @Inject
    TaskQueries queries;

    @Inject
    CommittedViews committed;

    @Inject
    FastWorkerConfig.Events eventsSettings;

    @Inject
    ObjectMapper mapper;

    @Inject
    Vertx vertx;

    private final AtomicInteger open = new AtomicInteger();

    /**
     * The stream, filtered to the given task names and ids (each repeatable; none: every task).
     * {@code include=result} adds a finished task's result or error to its last event.
     */
    @Operation(operationId = "streamEvents", summary = "Stream task events",
            description = "Server-sent events, one per state change (event: task), and the progress running "
                    + "attempts report (event: progress, at most ten a second per task), filtered by task name or id; "
                    + "resume with Last-Event-ID. A reader that falls behind gets event: gap and the stream ends. In a "
                    + "cluster, a task's end is sent only once a majority holds it (and nothing after it before).")
    @APIResponse(responseCode = "200", description = "The stream: each event has a name (task, progress or gap), an "
            + "id (<epoch>.<seq>, for Last-Event-ID; none on a gap) and one JSON object as its data, described here",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(oneOf = {
                FeedEvents.Task.class, FeedEvents.Progress.class, FeedEvents.Gap.class})))
    @GET
    @RolesAllowed(Roles.READ)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> events(@Parameter(
            description = "Only events of tasks of this name "
                    + "(repeat it for more)") @QueryParam("task") List<String> tasks,
            @Parameter(
                    description = "Only events of the task with this id "
                            + "(repeat it for more)") @QueryParam("id") List<String> ids,
            @Parameter(
                    description = "result: a finished task's event "
                            + "carries its result or error") @QueryParam("include") String include,
            @Parameter(
                    description = "Resume after this event id (browsers send "
                            + "it when they reconnect)") @HeaderParam("Last-Event-ID") String lastEventId,
            @Context Sse sse) {
        boolean withResults = include(include);
        Resume resume = resume(lastEventId);
        int max = eventsSettings.maxStreams();
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            throw new ProblemException(503, "too-many-streams", "Too many event streams", "this control plane "
                    + "serves at most " + max + " event streams at once (fastworker.events.max-streams); close one "
                    + "or try again later", Map.of());
        }
        io.vertx.core.Context context = Vertx.currentContext() != null ? Vertx.currentContext()
                : vertx.getOrCreateContext();
        EventStream.Filter filter = new EventStream.Filter(Set.copyOf(tasks), Set.copyOf(ids));
        return Multi.createFrom().<OutboundSseEvent>emitter(emitter -> {
            EventStream stream = new EventStream(emitter, feed, queries, mapper, sse, context, filter, withResults,
                    resume.restarted(), eventsSettings.heartbeat(), vertx, committed::barrier);
            emitter.onTermination(() -> {
                stream.close();
                open.decrementAndGet();
            });
            stream.start(resume.afterSeq());
        }, BackPressureStrategy.ERROR);
    }

    private static boolean include(String include) {
        if (include == null || include.isEmpty()) {
            return false;
        }
        if (!include.equals("result")) {
            throw ProblemException.badRequest("include must be 'result' (a finished task's result or error on its "
                    + "last event), got '" + include + "'; arguments are never sent");
        }
        return true;
    }

    /** Where a stream starts: after the client's last event id, or with what happens from now on. */
    private record Resume(long afterSeq, boolean restarted) {
    }

    /** The epoch part of an event id: a control plane's start time in milliseconds, base 36. */
    private static final java.util.regex.Pattern EPOCH = java.util.regex.Pattern.compile("[0-9a-z]{1,12}");

    private Resume resume(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return new Resume(-1, false);
        }
        int dot = lastEventId.indexOf('.');
        long seq;
        try {
            seq = dot < 1 ? -1 : Long.parseLong(lastEventId.substring(dot + 1));
        } catch (NumberFormatException e) {
            seq = -1;
        }
        if (seq < 0 || !EPOCH.matcher(lastEventId.substring(0, dot)).matches()) {
            throw ProblemException.badRequest("Last-Event-ID must be an event id this API sent (<epoch>.<seq>), got '"
                    + lastEventId + "'");
        }
        if (!lastEventId.substring(0, dot).equals(feed.epoch())) {
            return new Resume(0, true); // another run of the control plane: everything it kept is new to the client
        }
        return new Resume(seq, false);
    }
}
