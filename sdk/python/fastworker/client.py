"""Submitting tasks to a control plane over its HTTP API, and reading their results."""
import asyncio
import http.client
import json
import os
import ssl
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Optional

TERMINAL = ("success", "failure", "cancelled")
_LONGEST_WAIT = 60.0  # seconds per request while waiting; the control plane allows up to fastworker.api.max-wait


class ProblemError(Exception):
    """The control plane refused a request. ``status`` is the HTTP status, ``problem`` the whole problem document
    (``type``, ``title``, ``detail`` and any other fields, such as ``index`` for a batch or ``knownTasks``)."""

    def __init__(self, status: int, problem: Dict[str, Any]):
        self.status = status
        self.problem = problem
        self.type = problem.get("type")
        self.title = problem.get("title")
        self.detail = problem.get("detail")
        super().__init__("%s %s: %s" % (status, self.title or "error", self.detail or problem))


class TaskFailed(Exception):
    """Raised by :meth:`TaskResult.get` for a task that did not succeed; ``result`` is the task."""

    def __init__(self, result: "TaskResult"):
        self.result = result
        super().__init__("task %s ended %s: %s" % (result.task_id, result.status, result.error))


@dataclass
class TaskResult:
    """A task as the control plane shows it, with the original FastWorker's field names: ``task_id``, ``status``
    (queued, scheduled, running, retrying, cancelling, success, failure, cancelled), ``result``, ``error`` (the
    message), ``started_at``, ``completed_at``; ``task`` is the whole document of ``GET /tasks/{id}``."""

    task_id: str
    status: str
    result: Any = None
    error: Optional[str] = None
    started_at: Optional[str] = None
    completed_at: Optional[str] = None
    task: Dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    def get(self) -> Any:
        """The task's result; :class:`TaskFailed` if it failed or was cancelled."""
        if self.status != "success":
            raise TaskFailed(self)
        return self.result

    @staticmethod
    def of(task: Dict[str, Any]) -> "TaskResult":
        error = task.get("error")
        return TaskResult(task.get("id"), task.get("status"), task.get("result"),
                          error.get("message") if isinstance(error, dict) else error, task.get("startedAt"),
                          task.get("finishedAt"), task)


class Client:
    """A client of a control plane's HTTP API. ``url`` defaults to ``FASTWORKER_URL``, else
    ``http://127.0.0.1:8080``; ``token`` (an API key or a JWT) to ``FASTWORKER_API_KEY``. Every call has a deadline
    (``timeout``, seconds) and raises :class:`ProblemError` when the control plane refuses it, or ``OSError`` when it
    cannot be reached. A follower of a cluster redirects to its leader; the client follows. Thread-safe."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, *, timeout: float = 30.0,
                 trust: Optional[str] = None):
        self.url = (url or os.environ.get("FASTWORKER_URL") or "http://127.0.0.1:8080").rstrip("/")
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("the control plane's URL is http://host:port or https://host:port, got %r" % url)
        self.token = token if token is not None else os.environ.get("FASTWORKER_API_KEY")
        self.timeout = timeout
        self._tls = ssl.create_default_context(cafile=trust) if parsed.scheme == "https" else None

    # -- submitting ----------------------------------------------------------------------------------------------

    def delay(self, task_name: str, *args, priority=None, countdown=None, eta=None, idempotency_key=None,
              options: Optional[Dict[str, Any]] = None, **kwargs) -> str:
        """Submits a task and returns its id at once (``202``). ``countdown`` (seconds or ``timedelta``) or ``eta``
        (an aware ``datetime``) run it later; ``options`` takes any other submission field (``maxRetries``,
        ``timeout``, ``retryDelay``, ...). With ``idempotency_key`` a repeat gives back the first task."""
        body = _submission(task_name, args, kwargs, priority, countdown, eta, options)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self._request("POST", "/tasks", body, headers)["id"]

    def submit(self, task_name: str, *args, wait: Optional[float] = None, priority=None, countdown=None, eta=None,
               idempotency_key=None, options: Optional[Dict[str, Any]] = None, **kwargs) -> TaskResult:
        """Submits a task and waits for its end (at most ``wait`` seconds; None: as long as it takes). Returns the
        task, finished or, after ``wait``, as it is then."""
        body = _submission(task_name, args, kwargs, priority, countdown, eta, options)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        deadline = None if wait is None else time.monotonic() + wait
        first = _LONGEST_WAIT if wait is None else min(wait, _LONGEST_WAIT)
        task = self._request("POST", "/tasks?wait=%dms" % (first * 1000), body, headers)
        return self._await(task, deadline)

    def submit_task(self, task_name: str, args: Iterable = (), kwargs: Optional[Dict[str, Any]] = None,
                    priority=None, eta=None, countdown=None) -> TaskResult:
        """The original FastWorker's call: submits and waits for the end."""
        return self.submit(task_name, *args, priority=priority, eta=eta, countdown=countdown, **(kwargs or {}))

    def submit_batch(self, tasks: List[Dict[str, Any]], default_priority=None) -> List[str]:
        """Submits several tasks, all or none, and returns their ids in order. Each item: ``task_name`` (or
        ``task``), ``args``, ``kwargs``, ``priority``, ``countdown``, ``eta``, ``idempotency_key``, ``options``. A bad
        item is named by its ``index`` in the :class:`ProblemError`."""
        body = []
        for item in tasks:
            entry = _submission(item.get("task_name", item.get("task")), item.get("args", ()),
                                item.get("kwargs") or {}, item.get("priority", default_priority),
                                item.get("countdown"), item.get("eta"), item.get("options"))
            if item.get("idempotency_key"):
                entry["idempotencyKey"] = item["idempotency_key"]
            body.append(entry)
        return self._request("POST", "/tasks/batch", body)["ids"]

    # -- reading and cancelling ----------------------------------------------------------------------------------

    def result(self, task_id: str, wait: Optional[float] = 0) -> Optional[TaskResult]:
        """The task as it is now (``wait`` 0), or once it has ended within ``wait`` seconds (None: however long);
        None if the control plane does not know it (never submitted, or its result expired)."""
        try:
            task = self._request("GET", "/tasks/" + urllib.parse.quote(task_id, safe=""))
        except ProblemError as e:
            if e.status == 404:
                return None
            raise
        if wait == 0:
            return TaskResult.of(task)
        return self._await(task, None if wait is None else time.monotonic() + wait)

    get_task_result = result

    def cancel(self, task_id: str) -> bool:
        """Cancels a task: True when it is cancelled, or asked to stop if it runs (``cancelling``, then
        ``cancelled``); False when it had already ended or is unknown."""
        try:
            self._request("DELETE", "/tasks/" + urllib.parse.quote(task_id, safe=""))
            return True
        except ProblemError as e:
            if e.status in (404, 409):
                return False
            raise

    cancel_task = cancel

    def workers(self) -> List[Dict[str, Any]]:
        """The control plane and the subworkers joined now, as ``GET /workers`` shows them."""
        return self._request("GET", "/workers")

    # -- plumbing ------------------------------------------------------------------------------------------------

    def _await(self, task: Dict[str, Any], deadline: Optional[float]) -> TaskResult:
        path = "/tasks/" + urllib.parse.quote(task["id"], safe="")
        while task.get("status") not in TERMINAL:
            left = _LONGEST_WAIT if deadline is None else deadline - time.monotonic()
            if left <= 0:
                break
            task = self._request("GET", "%s?wait=%dms" % (path, min(left, _LONGEST_WAIT) * 1000))
        return TaskResult.of(task)

    def _request(self, method: str, path: str, body=None, headers: Optional[Dict[str, str]] = None):
        url = self.url + path
        data = None if body is None else json.dumps(body).encode()
        sent = {"Accept": "application/json"}
        if data is not None:
            sent["Content-Type"] = "application/json"
        if self.token:
            sent["Authorization"] = "Bearer " + self.token
        sent.update(headers or {})
        for _ in range(5):  # a follower's 307 to its leader, at most a few hops
            parts = urllib.parse.urlsplit(url)
            wait = _wait_of(parts.query)
            timeout = self.timeout + wait
            if parts.scheme == "https":
                connection = http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout,
                                                         context=self._tls)
            else:
                connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
            try:
                target = parts.path + ("?" + parts.query if parts.query else "")
                connection.request(method, target, body=data, headers=sent)
                response = connection.getresponse()
                payload = response.read()
                if response.status in (307, 308) and response.getheader("Location"):
                    url = urllib.parse.urljoin(url, response.getheader("Location"))
                    continue
            finally:
                connection.close()
            document = json.loads(payload) if payload else {}
            if response.status >= 400:
                if not isinstance(document, dict):
                    document = {"detail": str(document)}
                raise ProblemError(response.status, document)
            return document
        raise OSError("too many redirects from %s" % self.url)


class AsyncClient:
    """The asyncio variant of :class:`Client`: the same calls, awaited (each runs on a worker thread, so the event
    loop never blocks). ``start()`` and ``stop()`` exist for code written for the original FastWorker; neither is
    needed."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, **options):
        self.client = Client(url, token, **options)

    async def start(self) -> None:
        """Nothing to do: the control plane's address is configured, not discovered."""

    def stop(self) -> None:
        """Nothing to do: every call opens and closes its own connection."""

    def __getattr__(self, name):
        call = getattr(self.client, name)
        if not callable(call):
            return call

        async def threaded(*args, **kwargs):
            return await asyncio.get_running_loop().run_in_executor(None, lambda: call(*args, **kwargs))

        return threaded


def _submission(task_name, args, kwargs, priority, countdown, eta, options) -> Dict[str, Any]:
    if not isinstance(task_name, str) or not task_name:
        raise ValueError("a submission names its task, got %r" % (task_name,))
    body: Dict[str, Any] = {"task": task_name}
    if args:
        body["args"] = list(args)
    if kwargs:
        body["kwargs"] = dict(kwargs)
    if priority is not None:
        body["priority"] = str(getattr(priority, "value", priority)).lower()
    if countdown is not None:
        body["countdown"] = countdown.total_seconds() if isinstance(countdown, timedelta) else countdown
    if eta is not None:
        if isinstance(eta, datetime):
            if eta.tzinfo is None:
                raise ValueError("eta must be an aware datetime (with its time zone), got %r" % eta)
            eta = eta.astimezone(timezone.utc).isoformat()
        body["eta"] = eta
    for name, value in (options or {}).items():
        if name in body:
            raise ValueError("option %r is given twice" % name)
        body[name] = value.total_seconds() if isinstance(value, timedelta) else value
    return body


def _wait_of(query: str) -> float:
    for key, value in urllib.parse.parse_qsl(query):
        if key == "wait" and value.endswith("ms"):
            try:
                return float(value[:-2]) / 1000
            except ValueError:
                return 0.0
    return 0.0
