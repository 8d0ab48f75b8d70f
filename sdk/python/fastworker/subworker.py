"""A subworker: joins a control plane over the link and runs the tasks it is sent, as the Java subworker does."""
import asyncio
import ctypes
import heapq
import json
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from . import context
from .context import Cancelled, NonRetryable, TaskInfo, TaskTimeout
from .link import Link, LinkDown, tls_context
from .tasks.registry import TaskDef, registered
from .tracing import Tracing

PROTOCOL = 3
log = logging.getLogger("fastworker.subworker")
_MISSING = object()


class JoinRefused(Exception):
    """The control plane refused the join for a reason another try cannot mend (a bad declaration, a wrong
    token): the subworker stops, with the control plane's reason."""


@dataclass
class _Attempt:
    key: Tuple[str, int]
    task: TaskDef
    frame: dict
    info: TaskInfo
    deadline: float
    state: str = "running"  # running → reported (timeout or shutdown sent, body still runs) → done
    holds_slot: bool = True
    in_body: bool = False
    interrupted: bool = False
    thread: Optional[int] = None
    async_task: Optional[asyncio.Task] = None
    traceparent: Optional[str] = None
    result: Optional[dict] = None  # written once a link takes it
    queued_on: Optional[Link] = field(default=None, repr=False)


class Subworker:
    """Runs the declared tasks for a control plane.

    It dials the addresses in turn (a cluster's members, or one), joins with its tasks, their parameters and
    options, and takes up to ``concurrency`` tasks at a time against credits. When the link drops it dials again with
    backoff, listing the attempts it still holds so that a control plane that knows them keeps their leases. A
    body past its timeout is reported as ``timeout`` at once and asked to stop; its slot is given back at once for
    up to ``concurrency`` bodies that do not stop. :meth:`stop` drains: nothing new is taken, running bodies get
    ``shutdown_timeout`` to finish, then it leaves.
    """

    def __init__(self, addresses, worker_id: Optional[str] = None, *, concurrency: int = 1,
                 token: Optional[str] = None, trust: Optional[str] = None, cert: Optional[str] = None,
                 key: Optional[str] = None, tasks: Optional[Iterable[TaskDef]] = None,
                 shutdown_timeout: float = 30.0, reconnect_min: float = 0.2, reconnect_max: float = 5.0,
                 batch: bool = True, max_result_size: int = 1 << 20):
        if isinstance(addresses, str):
            addresses = [a.strip() for a in addresses.split(",") if a.strip()]
        if not addresses:
            raise ValueError("give the control plane's link address, e.g. tcp://127.0.0.1:5555")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 10000:
            raise ValueError("concurrency is a whole number from 1 to 10000, got %r" % (concurrency,))
        if not 0 < reconnect_min <= reconnect_max:
            raise ValueError("reconnect_min must be above 0 and at most reconnect_max")
        if shutdown_timeout < 0:
            raise ValueError("shutdown_timeout must not be negative")
        self.addresses = list(addresses)
        self.worker_id = worker_id or "%s-%d" % (socket.gethostname(), os.getpid())
        self.concurrency = concurrency
        self.tasks: Dict[str, TaskDef] = {t.name: t for t in tasks} if tasks is not None else registered()
        if not self.tasks:
            raise ValueError("no tasks to run: declare some with @task (and import their modules) first")
        self._token = token
        self._tls = (trust, cert, key)
        if cert or key:
            tls_context(*self._tls)  # a missing file or half a key pair fails here, before any dial
        self._shutdown_timeout = shutdown_timeout
        self._reconnect = (reconnect_min, reconnect_max)
        self._batch = batch
        self._max_result = max_result_size
        self._lock = threading.Lock()
        self._attempts: Dict[Tuple[str, int], _Attempt] = {}
        self._busy = 0  # slots held by running bodies
        self._abandoned = 0  # bodies past their end that no longer hold a slot
        self._link: Optional[Link] = None  # the joined link, while there is one
        self._term = 0
        self._progress = False
        self._stopping = threading.Event()
        self._drained = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=2 * concurrency, thread_name_prefix="fastworker-task")
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._deadlines: List[Tuple[float, Tuple[str, int]]] = []
        self._deadline_wake = threading.Condition(self._lock)
        threading.Thread(target=self._watch_deadlines, name="fastworker-deadlines", daemon=True).start()
        self.joined = threading.Event()
        self._tracing = Tracing(self.worker_id)

    # -- running -------------------------------------------------------------------------------------------------

    def run(self) -> int:
        """Runs until :meth:`stop` has drained; 0 then. A join the control plane refuses for good (a bad
        declaration, a wrong token) raises :class:`JoinRefused`."""
        self._log_schedules()
        backoff, index = self._reconnect[0], 0
        try:
            while not self._stopping.is_set():
                address = self.addresses[index % len(self.addresses)]
                index += 1
                try:
                    if self._session(address):
                        backoff = self._reconnect[0]
                        index = 0
                        if not self._stopping.is_set():
                            log.warning("link to %s down; joining again", address)
                        continue
                except (OSError, LinkDown, ValueError) as e:
                    log.warning("link to %s down (%s)%s", address, e,
                                "" if index % len(self.addresses) else "; joining again in %.1f s" % backoff)
                if index % len(self.addresses) == 0 and not self._stopping.is_set():
                    self._stopping.wait(backoff)
                    backoff = min(self._reconnect[1], backoff * 2)
            self._await_bodies(time.monotonic() + self._shutdown_timeout)
            return 0
        finally:
            self._pool.shutdown(wait=False)
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)

    def stop(self) -> None:
        """Drains and leaves (safe from a signal handler and any thread): no new task is taken, running bodies get
        ``shutdown_timeout`` to finish, their results are sent, and :meth:`run` returns."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with self._lock:
            link = self._link
        if link is not None:
            log.info("stopping: draining %d running task(s)", self._busy)
            try:
                link.send("fastworker.link.drain", {})
            except LinkDown:
                pass
            threading.Thread(target=self._leave, args=(link,), name="fastworker-drain", daemon=True).start()

    def _leave(self, link: Link) -> None:
        deadline = time.monotonic() + self._shutdown_timeout
        self._await_bodies(deadline)
        with self._lock:
            for attempt in self._attempts.values():
                if attempt.state == "running":
                    attempt.state = "reported"
                    self._queue_result(attempt, _failure(attempt, "shutdown", "the subworker stopped before the "
                                                         "task finished", None, False), credits=0)
        try:
            link.send("fastworker.link.leave", {})
        except LinkDown:
            pass
        time.sleep(0.2)  # lets the writer put the last frames on the wire
        link.close()

    def _await_bodies(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            with self._lock:
                if not any(a.state == "running" or (a.result is not None and self._link is not None)
                           for a in self._attempts.values()):
                    return
            time.sleep(0.05)

    def _session(self, address: str) -> bool:
        """One connection: join, then take tasks until it drops. True when it had joined."""
        link = Link(address, lambda: tls_context(*self._tls))
        link.written = self._written
        joined = False
        try:
            reply = "fastworker.reply." + uuid.uuid4().hex
            me = "fastworker.worker." + self.worker_id
            link.register(me)
            link.send("fastworker.link.join", self._join_body(), reply)
            while True:
                frame = link.read()
                if frame is None:
                    raise LinkDown("the control plane closed the link")
                kind = frame.get("type")
                if kind == "err":
                    raise LinkDown("the control plane refused a frame: %s" % frame.get("message"))
                if kind != "message":
                    continue
                if frame.get("address") == reply:
                    self._joined(link, frame, address)
                    joined = True
                elif frame.get("address") == me and joined:
                    self._received(link, frame)
        finally:
            with self._lock:
                if self._link is link:
                    self._link = None
            link.close()
            if joined:
                self.joined.clear()
        return joined

    def _join_body(self) -> dict:
        body = {"protocol": PROTOCOL, "workerId": self.worker_id, "tasks": sorted(self.tasks),
                "concurrency": self.concurrency, "batch": self._batch}
        parameters = {n: t.parameters for n, t in self.tasks.items() if t.parameters is not None}
        options = {n: t.options for n, t in self.tasks.items() if t.options}
        limits = {n: t.limits for n, t in self.tasks.items() if t.limits}
        if parameters:
            body["parameters"] = parameters
        if options:
            body["options"] = options
        if limits:
            body["limits"] = limits
        if self._token:
            body["token"] = self._token
        with self._lock:
            holding = [{"taskId": k[0], "attempt": k[1]} for k in self._attempts]
        if holding:
            body["holding"] = holding[:2 * self.concurrency]
        return body

    def _joined(self, link: Link, frame: dict, address: str) -> None:
        body = frame.get("body")
        if not isinstance(body, dict) or not body.get("ok"):
            code, message = frame.get("failureCode"), frame.get("message") or body
            if code in (400, 401):
                raise JoinRefused("the control plane at %s refused the join (%s): %s" % (address, code, message))
            raise LinkDown("join refused (%s): %s" % (code, message))
        term = body.get("term", 0) if isinstance(body.get("term"), int) else 0
        if term < self._term:
            raise LinkDown("%s leads an older term (%d) than one already joined (%d)" % (address, term, self._term))
        self._term = term
        link.max_frame = _whole(body.get("maxFrameSize"), 1 << 20)
        link.batch = self._batch and body.get("protocol", 1) >= 1
        max_result = _whole(body.get("maxResultSize"), self._max_result)
        self._max_result = min(self._max_result, max_result)
        self._progress = body.get("protocol", 1) >= 3
        interval = _whole(body.get("heartbeatIntervalMs"), 1000) / 1000.0
        with self._lock:
            self._link = link
            for attempt in self._attempts.values():
                if attempt.result is not None:  # finished while no link took its result
                    attempt.result["credits"] = 0
                    link.send("fastworker.link.result", attempt.result, key=attempt.key)
            free = self.concurrency - self._busy
            if self._stopping.is_set():
                link.send("fastworker.link.drain", {})
            elif free > 0:
                link.send("fastworker.link.credit", {"credits": free})
        threading.Thread(target=self._heartbeat, args=(link, interval), name="fastworker-heartbeat",
                         daemon=True).start()
        log.info("joined as %s at %s (%d task(s), concurrency %d)", self.worker_id, address, len(self.tasks),
                 self.concurrency)
        self.joined.set()
        if self._stopping.is_set():
            threading.Thread(target=self._leave, args=(link,), daemon=True).start()

    def _heartbeat(self, link: Link, interval: float) -> None:
        while not link.closed:
            time.sleep(interval)
            try:
                link.send("fastworker.link.heartbeat", {})
            except LinkDown:
                return

    # -- tasks ---------------------------------------------------------------------------------------------------

    def _received(self, link: Link, frame: dict) -> None:
        body = frame.get("body")
        if not isinstance(body, dict):
            return
        if "cancel" in body:
            stop = body.get("cancel") or {}
            self._cancel((stop.get("taskId"), stop.get("attempt")))
        elif isinstance(body.get("tasks"), list):
            for task in body["tasks"]:
                if isinstance(task, dict):
                    trace = task.get("trace") if isinstance(task.get("trace"), dict) else {}
                    self._start(link, task, trace.get("traceparent"))
        else:
            headers = frame.get("headers") if isinstance(frame.get("headers"), dict) else {}
            self._start(link, body, headers.get("traceparent"))

    def _start(self, link: Link, frame: dict, traceparent) -> None:
        task_id, number = frame.get("taskId"), frame.get("attempt")
        if not isinstance(task_id, str) or isinstance(number, bool) or not isinstance(number, int):
            log.warning("a task frame names no task id and attempt; ignoring it")
            link.send("fastworker.link.credit", {"credits": 1})
            return
        key = (task_id, number)
        if self._stopping.is_set():
            link.send("fastworker.link.return", {"taskId": task_id, "attempt": number})
            return
        definition = self.tasks.get(frame.get("task"))
        args, kwargs, timeout_ms = frame.get("args", []), frame.get("kwargs", {}), frame.get("timeoutMs")
        problem = None
        if definition is None:
            problem = "task %r is not declared on this subworker" % frame.get("task")
        elif not isinstance(args, list) or not isinstance(kwargs, dict):
            problem = "args must be a list and kwargs an object"
        elif isinstance(timeout_ms, bool) or not isinstance(timeout_ms, int) or timeout_ms < 10:
            problem = "timeoutMs must be a whole number of at least 10, got %r" % (timeout_ms,)
        trace_id = _trace_id(traceparent)
        info = TaskInfo(task_id, number, str(frame.get("task")), trace_id)
        attempt = _Attempt(key, definition, frame, info, time.monotonic() + (timeout_ms or 0) / 1000.0,
                           traceparent=traceparent if isinstance(traceparent, str) else None)
        if problem:
            log.warning("task %s attempt %d cannot run as sent: %s", task_id, number, problem)
            with self._lock:
                self._busy += 1
                self._attempts[key] = attempt
                self._finish(attempt, _failure(attempt, "bad_arguments", problem, None, True))
            return
        if self._progress:
            info.report = lambda fraction, message: self._report(attempt, fraction, message)
        with self._lock:
            if key in self._attempts:
                return  # a repeat of an attempt this subworker holds (a re-sent frame): it runs once
            self._attempts[key] = attempt
            self._busy += 1
            if len(self._deadlines) > 4 * len(self._attempts) + 64:  # drop the deadlines of ended attempts
                self._deadlines = [d for d in self._deadlines if d[1] in self._attempts]
                heapq.heapify(self._deadlines)
            heapq.heappush(self._deadlines, (attempt.deadline, key))
            self._deadline_wake.notify()
        log.debug("task %s attempt %d: %s starts%s", task_id, number, info.name,
                  " (trace %s)" % trace_id if trace_id else "")
        if definition.is_async:
            asyncio.run_coroutine_threadsafe(self._run_async(attempt), self._event_loop())
        else:
            self._pool.submit(self._run_sync, attempt)

    def _run_sync(self, attempt: _Attempt) -> None:
        token = context._enter(attempt.info)
        value, error = _MISSING, None
        try:
            with self._span(attempt) as outcome:
                try:
                    try:
                        with self._lock:
                            attempt.thread = threading.get_ident()
                            attempt.in_body = attempt.state == "running" and not attempt.info.stop.is_set()
                        if attempt.in_body:
                            value = self._call(attempt)
                        elif attempt.info.stop.is_set():
                            error = Cancelled("the task was cancelled before it started")
                    except BaseException as e:  # the body's failure, or an interruption while it ran
                        error = e
                    finally:
                        with self._lock:
                            attempt.in_body = False
                except (Cancelled, TaskTimeout) as late:  # an interruption that came as the body returned
                    if value is _MISSING and error is None:
                        error = late
                outcome(_outcome(error))
            self._ended(attempt, value, error)
        finally:
            context._leave(token)

    def _call(self, attempt: _Attempt):
        definition, frame = attempt.task, attempt.frame
        if definition.before is not None:
            definition.before(frame)
        value = definition.func(*frame.get("args", []), **frame.get("kwargs", {}))
        if definition.after is not None:
            definition.after(frame)
        return value

    async def _run_async(self, attempt: _Attempt) -> None:
        token = context._enter(attempt.info)
        value, error = _MISSING, None
        try:
            with self._span(attempt) as outcome:
                try:
                    with self._lock:
                        attempt.async_task = asyncio.current_task()
                        running = attempt.state == "running" and not attempt.info.stop.is_set()
                    if not running and attempt.info.stop.is_set():
                        raise Cancelled("the task was cancelled before it started")
                    if running:
                        definition, frame = attempt.task, attempt.frame
                        await _maybe_await(definition.before, frame)
                        value = await definition.func(*frame.get("args", []), **frame.get("kwargs", {}))
                        await _maybe_await(definition.after, frame)
                except asyncio.CancelledError:
                    error = Cancelled("the task was cancelled") if attempt.info.stop.is_set() else TaskTimeout()
                except BaseException as e:
                    error = e
                outcome(_outcome(error))
            self._ended(attempt, value, error)
        finally:
            context._leave(token)

    def _span(self, attempt: _Attempt):
        return self._tracing.execute(attempt.info, attempt.traceparent, attempt.frame.get("priority"),
                                     attempt.frame.get("maxAttempts"))

    def _ended(self, attempt: _Attempt, value, error) -> None:
        """The body returned (or raised): report it unless its end was already reported, and give its slot back."""
        if attempt.state == "running":
            if error is None:
                outcome = self._success(attempt, value)
            elif isinstance(error, Cancelled) or attempt.info.stop.is_set():
                outcome = _failure(attempt, "task_error", str(error) or "the task was cancelled", "Cancelled", False)
            elif isinstance(error, TaskTimeout):
                outcome = _failure(attempt, "timeout", "the task overran its timeout", "TaskTimeout", False)
            else:
                outcome = _failure(attempt, "task_error", str(error) or type(error).__name__, type(error).__name__,
                                   isinstance(error, NonRetryable))
                log.info("task %s attempt %d failed: %s", attempt.key[0], attempt.key[1], type(error).__name__)
        else:
            outcome = None
        with self._lock:
            if outcome is not None and attempt.state == "running":
                self._finish(attempt, outcome)
            else:  # already reported (timeout, shutdown): only the slot
                attempt.state = "done"
                if attempt.holds_slot:
                    attempt.holds_slot = False
                    self._busy -= 1
                    if self._link is not None and not self._stopping.is_set():
                        self._link.send("fastworker.link.credit", {"credits": 1})
                else:
                    self._abandoned -= 1
                if attempt.result is None:
                    self._attempts.pop(attempt.key, None)

    def _finish(self, attempt: _Attempt, outcome: dict) -> None:
        """Records the attempt's end and frees its slot; called with the lock held."""
        attempt.state = "done"
        credits = 0
        if attempt.holds_slot:
            attempt.holds_slot = False
            self._busy -= 1
            credits = 0 if self._stopping.is_set() else 1
        self._queue_result(attempt, outcome, credits)

    def _queue_result(self, attempt: _Attempt, outcome: dict, credits: int) -> None:
        outcome["credits"] = credits if self._link is not None else 0
        attempt.result = outcome
        if self._link is not None:
            try:
                self._link.send("fastworker.link.result", outcome, key=attempt.key)
            except LinkDown:
                pass  # sent again once a link is joined

    def _written(self, keys: List) -> None:
        with self._lock:
            for key in keys:
                attempt = self._attempts.get(key)
                if attempt is not None and attempt.result is not None:
                    attempt.result = None
                    if attempt.state == "done":
                        del self._attempts[key]

    def _success(self, attempt: _Attempt, value) -> dict:
        try:
            size = len(json.dumps(value, separators=(",", ":"), allow_nan=False).encode())
        except (TypeError, ValueError) as e:
            return _failure(attempt, "bad_result", "the result cannot be written as JSON: %s" % e, None, True)
        if size > self._max_result:
            return _failure(attempt, "bad_result", "the result takes %d bytes as JSON, more than the %d allowed"
                            % (size, self._max_result), None, True)
        return {"taskId": attempt.key[0], "attempt": attempt.key[1], "ok": True, "result": value}

    def _report(self, attempt: _Attempt, fraction: float, message) -> None:
        body = {"taskId": attempt.key[0], "attempt": attempt.key[1], "fraction": fraction}
        if message is not None:
            body["message"] = message
        with self._lock:
            link = self._link if attempt.state == "running" else None
        if link is not None:
            try:
                link.send("fastworker.link.progress", body)
            except LinkDown:
                pass

    # -- stopping a body -----------------------------------------------------------------------------------------

    def _cancel(self, key) -> None:
        with self._lock:
            attempt = self._attempts.get(key)
            if attempt is None or attempt.state != "running":
                return
            log.info("task %s attempt %d asked to stop", key[0], key[1])
            attempt.info.stop.set()
            self._interrupt(attempt, Cancelled)

    def _watch_deadlines(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._deadlines and self._deadlines[0][0] <= now:
                    _, key = heapq.heappop(self._deadlines)
                    attempt = self._attempts.get(key)
                    if attempt is not None and attempt.state == "running":
                        self._timed_out(attempt)
                timeout = self._deadlines[0][0] - now if self._deadlines else None
                self._deadline_wake.wait(timeout)

    def _timed_out(self, attempt: _Attempt) -> None:
        """Reports the attempt as timed out at once, asks its body to stop, and gives its slot back at once unless
        ``concurrency`` bodies already run past their end. Called with the lock held."""
        log.info("task %s attempt %d overran its timeout", attempt.key[0], attempt.key[1])
        attempt.state = "reported"
        credits = 0
        if attempt.holds_slot and self._abandoned < self.concurrency:
            attempt.holds_slot = False
            self._busy -= 1
            self._abandoned += 1
            credits = 0 if self._stopping.is_set() else 1
        self._queue_result(attempt, _failure(attempt, "timeout", "the task overran its timeout of %d ms"
                                             % attempt.frame.get("timeoutMs"), None, False), credits)
        self._interrupt(attempt, TaskTimeout)

    def _interrupt(self, attempt: _Attempt, exception) -> None:
        """Raises ``exception`` inside the body: an ``async def`` body at its next ``await``; a plain function at
        its next Python instruction (a body blocked in C code, such as a socket read, when that call returns).
        Called with the lock held; at most once per attempt."""
        if attempt.interrupted:
            return
        if attempt.async_task is not None:
            attempt.interrupted = True
            self._loop.call_soon_threadsafe(attempt.async_task.cancel)
        elif attempt.in_body and attempt.thread is not None:
            attempt.interrupted = True
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(attempt.thread), ctypes.py_object(exception))

    # -- helpers -------------------------------------------------------------------------------------------------

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="fastworker-async", daemon=True).start()
            return self._loop

    def _log_schedules(self) -> None:
        for name, definition in sorted(self.tasks.items()):
            if definition.schedule:
                log.warning("task %s declares a schedule (%s); a subworker does not schedule: create it on the "
                            "control plane with POST /schedules", name,
                            ", ".join("%s=%s" % kv for kv in sorted(definition.schedule.items())))


def _outcome(error) -> str:
    """How an attempt ended, for its span: ``success`` or the failure type."""
    if error is None:
        return "success"
    return "timeout" if isinstance(error, TaskTimeout) else "cancelled" if isinstance(error, Cancelled) \
        else "task_error"


def _failure(attempt: _Attempt, error_type: str, message: str, exception, final: bool) -> dict:
    error = {"type": error_type, "message": message[:2000]}
    if exception:
        error["exception"] = exception
    if final:
        error["nonRetryable"] = True
    return {"taskId": attempt.key[0], "attempt": attempt.key[1], "ok": False, "error": error}


async def _maybe_await(hook, frame) -> None:
    if hook is not None:
        outcome = hook(frame)
        if asyncio.iscoroutine(outcome):
            await outcome


def _whole(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _trace_id(traceparent) -> Optional[str]:
    """The trace id of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``), or None."""
    if isinstance(traceparent, str):
        parts = traceparent.split("-")
        if len(parts) == 4 and len(parts[1]) == 32 and all(c in "0123456789abcdef" for c in parts[1]):
            return parts[1]
    return None
