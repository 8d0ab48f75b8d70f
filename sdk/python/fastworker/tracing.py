"""Tracing of task attempts: the trace id in log lines, and OpenTelemetry spans when its packages are installed.

On when ``FASTWORKER_OTEL_ENABLED`` (or the original's ``FASTWORKER_TELEMETRY_ENABLED``) is ``true``, ``1`` or
``yes``. Then every log line written while a task body runs (the SDK's and the body's own) carries
``[traceId=...]`` from the control plane's ``traceparent`` (``[traceId=..., spanId=...]`` with the execute span). With the ``otel`` extra installed
(``pip install 'fastworker[otel]'``), each attempt is also a ``fastworker.task.execute`` span, a child of the control
plane's dispatch span, exported over OTLP (http/protobuf) as the standard ``OTEL_*`` variables say.
"""
import contextlib
import logging
import os
from typing import Optional

from . import context

log = logging.getLogger("fastworker.tracing")


def enabled() -> bool:
    value = os.environ.get("FASTWORKER_OTEL_ENABLED", os.environ.get("FASTWORKER_TELEMETRY_ENABLED", ""))
    return value.strip().lower() in ("true", "1", "yes")


class Tracing:
    """Spans for attempts; does nothing when tracing is off."""

    def __init__(self, worker_id: str):
        self.on = enabled()
        self.worker_id = worker_id
        self._tracer = None
        self._propagate = None
        if not self.on:
            return
        _install_log_context()
        try:
            from opentelemetry import propagate, trace
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ImportError:
            log.warning("tracing is on, but the OpenTelemetry packages are not installed (pip install "
                        "'fastworker[otel]'): log lines carry the trace id, and no span is exported")
            return
        provider = TracerProvider(resource=Resource.create(
            {"service.name": os.environ.get("OTEL_SERVICE_NAME", "fastworker-python-subworker")}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        self._tracer = trace.get_tracer("fastworker")
        self._propagate = propagate

    @contextlib.contextmanager
    def execute(self, info: context.TaskInfo, traceparent: Optional[str], priority, max_attempts):
        """The span of one attempt around its body, current while the body runs; ``outcome(type)`` records how it
        ended (``success`` or the failure type)."""
        if self._tracer is None:
            yield lambda outcome: None
            return
        from opentelemetry.trace import SpanKind, Status, StatusCode
        parent = self._propagate.extract({"traceparent": traceparent}) if traceparent else None
        attributes = {"fastworker.task.name": info.name, "fastworker.task.id": info.id,
                      "fastworker.task.attempt": info.attempt, "fastworker.worker.id": self.worker_id}
        if priority:
            attributes["fastworker.task.priority"] = str(priority)
        if isinstance(max_attempts, int):
            attributes["fastworker.task.max_attempts"] = max_attempts
        with self._tracer.start_as_current_span("fastworker.task.execute", context=parent, kind=SpanKind.CONSUMER,
                                                attributes=attributes, record_exception=False,
                                                set_status_on_exception=False) as span:
            ids = span.get_span_context()
            info.trace_id, info.span_id = "%032x" % ids.trace_id, "%016x" % ids.span_id

            def outcome(kind: str) -> None:
                span.set_attribute("fastworker.task.outcome", kind)
                if kind != "success":
                    span.set_status(Status(StatusCode.ERROR))

            yield outcome


_installed = False


def _install_log_context() -> None:
    """Gives every log record a ``fastworker_trace`` field: `` [traceId=..., spanId=...]`` inside a traced task body,
    empty elsewhere, and adds it to the handlers' formats that do not show it yet."""
    global _installed
    if _installed:
        return
    _installed = True
    make = logging.getLogRecordFactory()

    def record(*args, **kwargs):
        entry = make(*args, **kwargs)
        info = context.current_task()
        if info is not None and info.trace_id and info.span_id:
            entry.fastworker_trace = " [traceId=%s, spanId=%s]" % (info.trace_id, info.span_id)
        elif info is not None and info.trace_id:
            entry.fastworker_trace = " [traceId=%s]" % info.trace_id
        else:
            entry.fastworker_trace = ""
        return entry

    logging.setLogRecordFactory(record)
    for handler in logging.getLogger().handlers:
        formatter = handler.formatter
        if formatter is not None and isinstance(formatter._style, logging.PercentStyle) \
                and "fastworker_trace" not in formatter._fmt:
            handler.setFormatter(logging.Formatter(formatter._fmt + "%(fastworker_trace)s", formatter.datefmt))
