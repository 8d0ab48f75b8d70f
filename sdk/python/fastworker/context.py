"""What a running task body can ask about its attempt: report progress, and whether it was asked to stop."""
import contextvars
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

PROGRESS_INTERVAL = 0.25
MAX_PROGRESS_MESSAGE = 200


class NonRetryable(Exception):
    """Raised by a task body whose failure is final: the control plane fails the task without a retry, whatever
    retries it has left, and shows ``nonRetryable`` on the task's error."""


class Cancelled(Exception):
    """Raised inside a body whose task was cancelled (``DELETE /tasks/{id}``, :meth:`Client.cancel`). A body may
    raise it itself after :func:`cancelled` turns true; the task ends ``cancelled`` whatever the body then does."""


class TaskTimeout(Exception):
    """Raised inside a plain-function body that overran its timeout. The attempt was already reported as
    ``timeout``; the body should just return."""


@dataclass
class TaskInfo:
    """The attempt a body runs: its task id, attempt number (1 for the first run), task name and trace id (None when
    the control plane does not trace)."""

    id: str
    attempt: int
    name: str
    trace_id: Optional[str] = None
    span_id: Optional[str] = None
    stop: threading.Event = field(default_factory=threading.Event, repr=False)
    report: Optional[Callable[[float, Optional[str]], None]] = field(default=None, repr=False)
    last_report: float = field(default=-math.inf, repr=False)


_current: contextvars.ContextVar = contextvars.ContextVar("fastworker_task", default=None)


def current_task() -> Optional[TaskInfo]:
    """The attempt the calling body runs, or None outside a task body."""
    return _current.get()


def progress(fraction: float, message: Optional[str] = None) -> None:
    """Reports how far the running task got: ``fraction`` from 0 to 1 and an optional message of at most 200
    characters. ``GET /tasks/{id}`` shows the latest while the attempt runs. At most four reports a second are sent;
    the ones in between are dropped. Outside a task body, or towards a control plane that does not take progress,
    it does nothing."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 <= fraction <= 1:
        raise ValueError("progress is a fraction from 0 to 1, got %r" % (fraction,))
    if message is not None and (not isinstance(message, str) or len(message) > MAX_PROGRESS_MESSAGE):
        raise ValueError("a progress message is a text of at most %d characters" % MAX_PROGRESS_MESSAGE)
    info = _current.get()
    if info is None or info.report is None:
        return
    now = time.monotonic()
    if now - info.last_report >= PROGRESS_INTERVAL:
        info.last_report = now
        info.report(float(fraction), message)


def cancelled() -> bool:
    """Whether the running task was asked to stop. A body that loops should check it and return or raise
    :class:`Cancelled` soon. Outside a task body: False."""
    info = _current.get()
    return info is not None and info.stop.is_set()


def _enter(info: TaskInfo):
    return _current.set(info)


def _leave(token) -> None:
    _current.reset(token)
