package io.fastworker.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.MDC;

/**
 * The task spans: {@code fastworker.control_plane.dispatch} (choosing an executor and handing the attempt over) and
 * {@code fastworker.task.execute} (the task body, wherever it runs). Both continue the trace the task was submitted
 * in, carried as W3C {@code traceparent}/{@code tracestate} through the queue and the link. Attributes name the
 * task, never its arguments or result. With the OpenTelemetry switch off these are no-ops.
 */
@ApplicationScoped
public class Tracing {

    public static final String DISPATCH_SPAN = "fastworker.control_plane.dispatch";
    public static final String EXECUTE_SPAN = "fastworker.task.execute";

    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    @Inject
    OpenTelemetry openTelemetry;

    @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "true")
    boolean disabled;

    private Tracer tracer;
    private TextMapPropagator propagator;

    @PostConstruct
    void init() {
        tracer = openTelemetry.getTracer("io.fastworker");
        propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** The trace context current on this thread as W3C headers; empty when nothing is being traced. */
    public Map<String, String> capture() {
        if (disabled) {
            return Map.of();
        }
        Context current = Context.current();
        return Span.fromContext(current).getSpanContext().isValid() ? headers(current) : Map.of();
    }

    /** The W3C headers that make {@code span} the parent on the other side. */
    public Map<String, String> headers(Span span) {
        return disabled ? Map.of() : span.getSpanContext().isValid() ? headers(Context.root().with(span)) : Map.of();
    }

    private Map<String, String> headers(Context context) {
        Map<String, String> carrier = new HashMap<>(4);
        propagator.inject(context, carrier, Map::put);
        return carrier;
    }

    /** Starts (does not make current) the dispatch span of one attempt, in the trace of {@code parent}. */
    public Span startDispatch(Map<String, String> parent, TaskAttributes task, String worker) {
        if (disabled) {
            return Span.getInvalid();
        }
        Span span = task.apply(tracer.spanBuilder(DISPATCH_SPAN).setSpanKind(SpanKind.PRODUCER)
                .setParent(extract(parent))).startSpan();
        span.setAttribute("fastworker.worker.id", worker);
        return span;
    }

    /**
     * Starts the execute span of one attempt, in the trace of {@code parent}, makes it current and puts its ids in
     * the logging MDC until {@link Execution#close()}.
     */
    public Execution startExecute(Map<String, String> parent, TaskAttributes task, String worker) {
        if (disabled) {
            return Execution.NONE;
        }
        Span span = task.apply(tracer.spanBuilder(EXECUTE_SPAN).setSpanKind(SpanKind.CONSUMER)
                .setParent(extract(parent))).startSpan();
        span.setAttribute("fastworker.worker.id", worker);
        return new Execution(span);
    }

    private Context extract(Map<String, String> carrier) {
        return carrier == null || carrier.isEmpty() ? Context.root()
                : propagator.extract(Context.root(), carrier, MAP_GETTER);
    }

    /**
     * Puts the trace and span ids of W3C trace headers into the logging MDC until closed, so that a log line
     * written about a task (its retry, its final failure) can be found from its trace. Does nothing when the
     * headers carry no valid {@code traceparent}.
     */
    public static LogScope logScope(Map<String, String> trace) {
        String parent = trace == null ? null : trace.get("traceparent");
        // traceparent: version "-" 32 hex trace id "-" 16 hex parent span id "-" flags
        if (parent == null || parent.length() < 55 || parent.charAt(2) != '-' || parent.charAt(35) != '-') {
            return LogScope.NONE;
        }
        return new LogScope(parent.substring(3, 35), parent.substring(36, 52));
    }

    /** Trace ids in the MDC for as long as it is open. */
    public static final class LogScope implements AutoCloseable {
        static final LogScope NONE = new LogScope(null, null);

        private final boolean set;
        private final Object previousTrace;
        private final Object previousSpan;

        private LogScope(String traceId, String spanId) {
            set = traceId != null;
            previousTrace = set ? MDC.get("traceId") : null;
            previousSpan = set ? MDC.get("spanId") : null;
            if (set) { // the task's trace wins over whatever the thread was doing
                MDC.put("traceId", traceId);
                MDC.put("spanId", spanId);
            }
        }

        @Override
        public void close() {
            if (set) {
                restore("traceId", previousTrace);
                restore("spanId", previousSpan);
            }
        }

        private static void restore(String key, Object previous) {
            if (previous == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, previous);
            }
        }
    }

    /** The attributes every task span carries. */
    public record TaskAttributes(String taskId, String task, String priority, int attempt, int maxAttempts) {
        SpanBuilder apply(SpanBuilder b) {
            return b.setAttribute("fastworker.task.id", taskId).setAttribute("fastworker.task.name", task)
                    .setAttribute("fastworker.task.priority", priority == null ? "normal" : priority)
                    .setAttribute("fastworker.task.attempt", attempt)
                    .setAttribute("fastworker.task.max_attempts", maxAttempts);
        }
    }

    /** A running execute span; report the outcome with {@link #succeeded()} or {@link #failed}, then close. */
    public static final class Execution implements AutoCloseable {
        /** The switch is off: nothing to record. */
        static final Execution NONE = new Execution();

        private final Span span;
        private final Scope scope;
        private final boolean traced;

        private Execution() {
            this.span = Span.getInvalid();
            this.scope = Scope.noop();
            this.traced = false;
        }

        private Execution(Span span) {
            this.span = span;
            this.scope = span.makeCurrent();
            SpanContext c = span.getSpanContext();
            this.traced = c.isValid();
            if (traced) {
                MDC.put("traceId", c.getTraceId());
                MDC.put("spanId", c.getSpanId());
            }
        }

        public void succeeded() {
            span.setAttribute("fastworker.task.outcome", "success");
        }

        /**
         * Marks the span as an error: status ERROR, outcome = the failure type, and an {@code exception} event with
         * the exception class. The failure message stays out of the span: messages often echo task arguments.
         */
        public void failed(String type, String exceptionClass) {
            span.setAttribute("fastworker.task.outcome", type);
            span.setStatus(StatusCode.ERROR, type);
            if (exceptionClass != null) {
                span.addEvent("exception", Attributes.of(AttributeKey.stringKey("exception.type"), exceptionClass));
            }
        }

        @Override
        public void close() {
            if (this == NONE) {
                return;
            }
            scope.close();
            span.end();
            if (traced) {
                MDC.remove("traceId");
                MDC.remove("spanId");
            }
        }
    }
}
