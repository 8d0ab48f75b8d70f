"""Task declarations: the @task decorator and the registry of this process's tasks."""
import inspect
import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Callable, Dict, List, Optional

log = logging.getLogger("fastworker.registry")

PRIORITIES = ("critical", "high", "normal", "low")
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


class TaskDefinitionError(ValueError):
    """A @task declaration the control plane would refuse; raised at import, naming the task and the option."""


@dataclass(frozen=True)
class TaskDef:
    """One declared task: its name, its function and what the control plane is told about it at join."""

    name: str
    func: Callable[..., Any]
    is_async: bool
    parameters: Optional[List[str]]
    options: Dict[str, Any] = field(default_factory=dict)
    limits: Dict[str, Any] = field(default_factory=dict)
    before: Optional[Callable[..., Any]] = None
    after: Optional[Callable[..., Any]] = None
    schedule: Dict[str, Any] = field(default_factory=dict)


_tasks: Dict[str, TaskDef] = {}


def registered() -> Dict[str, TaskDef]:
    """The tasks declared in this process so far, by name."""
    return dict(_tasks)


def clear() -> None:
    """Forgets every declared task (for tests that declare their own)."""
    _tasks.clear()


def task(func=None, /, name: Optional[str] = None, *, priority: Optional[str] = None, timeout=None,
         max_retries: Optional[int] = None, retry_delay=None, retry_backoff: Optional[float] = None,
         retry_backoff_max=None, max_concurrency: Optional[int] = None, rate_limit: Optional[str] = None,
         before: Optional[Callable] = None, after: Optional[Callable] = None, repeat_interval=None,
         cron: Optional[str] = None, repeat_count: Optional[int] = None, repeat_until=None):
    """Declares a task, as the original FastWorker's decorator does: ``@task``, ``@task("other_name")`` or
    ``@task(name="other_name", priority="high", timeout=30, max_retries=3)``. The body may be a plain function or an
    ``async def``; it takes the arguments a submission sends (``args`` in order, ``kwargs`` by name) and returns
    anything JSON can carry.

    Options (what a submission does not set itself): ``priority`` (critical, high, normal, low), ``timeout``,
    ``retry_delay`` and ``retry_backoff_max`` (seconds or ``timedelta``), ``max_retries``, ``retry_backoff``; limits
    the control plane holds across every worker: ``max_concurrency``, ``rate_limit`` (``"10/s"``). ``before(task)``
    and ``after(task)`` (the task as sent: ``taskId``, ``task``, ``args``, ``kwargs``, ``attempt``) run around the body (``after`` on success only; a hook that raises fails the attempt).
    ``repeat_interval``, ``cron``, ``repeat_count`` and ``repeat_until`` are accepted so that the original's modules
    import unchanged, but a subworker does not schedule: create the schedule on the control plane
    (``POST /schedules``); the subworker says so in its log at start.

    An option of the wrong type raises :class:`TaskDefinitionError` at import; one out of its range is refused by
    the control plane when the subworker joins, with the range in the message.
    """
    if isinstance(func, str):  # @task("name"): the original's positional name
        if name is not None:
            raise TaskDefinitionError("give the task's name once, positionally or as name=")
        name, func = func, None
    kwargs = dict(name=name, priority=priority, timeout=timeout, max_retries=max_retries, retry_delay=retry_delay,
                  retry_backoff=retry_backoff, retry_backoff_max=retry_backoff_max,
                  max_concurrency=max_concurrency, rate_limit=rate_limit, before=before, after=after,
                  repeat_interval=repeat_interval, cron=cron, repeat_count=repeat_count, repeat_until=repeat_until)
    if func is None:
        return lambda f: _register(f, **kwargs)
    return _register(func, **kwargs)


def _register(func, *, name, priority, timeout, max_retries, retry_delay, retry_backoff, retry_backoff_max,
              max_concurrency, rate_limit, before, after, repeat_interval, cron, repeat_count, repeat_until):
    if not callable(func):
        raise TaskDefinitionError("@task decorates a function, got %r" % (func,))
    task_name = name if name is not None else func.__name__
    where = "task %r" % task_name
    if not isinstance(task_name, str) or not _NAME.match(task_name):
        raise TaskDefinitionError("%s: a task name is 1 to 128 characters of A-Z a-z 0-9 _ . : -" % where)
    options: Dict[str, Any] = {}
    if priority is not None:
        value = getattr(priority, "value", priority)
        if str(value).lower() not in PRIORITIES:
            raise TaskDefinitionError("%s: priority must be one of %s, got %r" % (where, ", ".join(PRIORITIES),
                                                                                  priority))
        options["priority"] = str(value).lower()
    if timeout is not None:
        options["timeout"] = _seconds(where, "timeout", timeout)
    if max_retries is not None:
        if isinstance(max_retries, bool) or not isinstance(max_retries, int):
            raise TaskDefinitionError("%s: max_retries is a whole number, got %r" % (where, max_retries))
        options["maxRetries"] = max_retries
    if retry_delay is not None:
        options["retryDelay"] = _seconds(where, "retry_delay", retry_delay)
    if retry_backoff is not None:
        if isinstance(retry_backoff, bool) or not isinstance(retry_backoff, (int, float)):
            raise TaskDefinitionError("%s: retry_backoff is a number, got %r" % (where, retry_backoff))
        options["retryBackoff"] = float(retry_backoff)
    if retry_backoff_max is not None:
        options["retryBackoffMax"] = _seconds(where, "retry_backoff_max", retry_backoff_max)
    limits: Dict[str, Any] = {}
    if max_concurrency is not None:
        if isinstance(max_concurrency, bool) or not isinstance(max_concurrency, int):
            raise TaskDefinitionError("%s: max_concurrency is a whole number, got %r" % (where, max_concurrency))
        limits["maxConcurrency"] = max_concurrency
    if rate_limit is not None:
        if not isinstance(rate_limit, str):
            raise TaskDefinitionError("%s: rate_limit is a text such as \"10/s\", got %r" % (where, rate_limit))
        limits["rateLimit"] = rate_limit
    schedule = {k: v for k, v in (("repeat_interval", repeat_interval), ("cron", cron),
                                  ("repeat_count", repeat_count), ("repeat_until", repeat_until)) if v is not None}
    if repeat_interval is not None and cron is not None:
        raise TaskDefinitionError("%s: give cron or repeat_interval, not both" % where)
    for hook_name, hook in (("before", before), ("after", after)):
        if hook is not None and not callable(hook):
            raise TaskDefinitionError("%s: %s must be callable" % (where, hook_name))
    if task_name in _tasks and _tasks[task_name].func is not func:
        log.warning("task %s declared again; the latest declaration wins", task_name)
    _tasks[task_name] = TaskDef(task_name, func, inspect.iscoroutinefunction(func), _parameters(func), options,
                                limits, before, after, schedule)
    return func


def _parameters(func) -> Optional[List[str]]:
    """The parameter names to announce, so that the control plane refuses arguments that cannot bind; None (any
    arguments accepted, a mismatch is the task's failure) when the signature has defaults, *args, **kwargs or
    keyword-only parameters, which the link's binding rule (all required, args in order) cannot express."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    names = []
    for p in signature.parameters.values():
        if p.kind is not p.POSITIONAL_OR_KEYWORD or p.default is not p.empty:
            return None
        names.append(p.name)
    return names


def _seconds(where, option, value):
    """A duration option as the link takes it: seconds, as a number. Its range is the control plane's to check: a join
    with an option out of range is refused, naming it."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise TaskDefinitionError("%s: %s is a number of seconds or a timedelta, got %r" % (where, option, value))
    return float(value)
