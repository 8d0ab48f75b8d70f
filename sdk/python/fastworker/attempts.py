"""The attempts a subworker holds: their bodies, slots, timeouts, cancels and results, whether a link is up or not."""
import asyncio
import ctypes
import heapq
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from . import context
from .context import Cancelled, NonRetryable, TaskInfo, TaskTimeout
from .link import Link, LinkDown
from .tasks.registry import TaskDef
from .tracing import Tracing

log = logging.getLogger("fastworker.subworker")
_MISSING = object()


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


class Attempts:
    """Every attempt this subworker holds: its body running (on a thread of a pool of twice ``concurrency``, or on
    one event loop for ``async def``), or its result not yet on a link. A slot is held from the task's arrival until
    its body returns, or until its timeout for up to ``concurrency`` bodies that do not stop. Each freed slot is one
    credit on the joined link; results that ended while no link was up go out, without credits, on the next one."""

    def __init__(self, tasks: Dict[str, TaskDef], concurrency: int, max_result: int, stopping: threading.Event,
                 worker_id: str):
        self.tasks = tasks
        self.concurrency = concurrency
        self._max_result = max_result
        self._stopping = stopping
        self._lock = threading.Lock()
        self._attempts: Dict[Tuple[str, int], _Attempt] = {}
        self._busy = 0  # slots held by running bodies
        self._abandoned = 0  # bodies past their end that no longer hold a slot
        self._link: Optional[Link] = None  # the joined link, while there is one
        self._progress = False
        self._pool = ThreadPoolExecutor(max_workers=2 * concurrency, thread_name_prefix="fastworker-task")
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._deadlines: List[Tuple[float, Tuple[str, int]]] = []
        self._deadline_wake = threading.Condition(self._lock)
        self._tracing = Tracing(worker_id)
        threading.Thread(target=self._watch_deadlines, name="fastworker-deadlines", daemon=True).start()

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def link(self) -> Optional[Link]:
        with self._lock:
            return self._link

    def holding(self, most: int) -> List[dict]:
        """The attempts to list in a join: running, or with a result not yet written."""
        with self._lock:
            return [{"taskId": k[0], "attempt": k[1]} for k in self._attempts][:most]

    def joined(self, link: Link, max_result: int, takes_progress: bool) -> None:
        """``link`` is joined: results that wait go out on it (without credits: their slots are free), then a credit
        for every free slot (or, while stopping, the drain)."""
        with self._lock:
            self._max_result = min(self._max_result, max_result)
            self._progress = takes_progress
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

    def dropped(self, link: Link) -> None:
        """``link`` is gone: results wait for the next one."""
        with self._lock:
            if self._link is link:
                self._link = None

    def await_idle(self, deadline: float) -> None:
        """Waits until no body runs and every result is written (while a link is up), or ``deadline``."""
        while time.monotonic() < deadline:
            with self._lock:
                if not any(a.state == "running" or (a.result is not None and self._link is not None)
                           for a in self._attempts.values()):
                    return
            time.sleep(0.05)

    def report_shutdown(self) -> None:
        """Reports every body still running as ended by the subworker's stop."""
        with self._lock:
            for attempt in self._attempts.values():
                if attempt.state == "running":
                    attempt.state = "reported"
                    self._queue_result(attempt, _failure(attempt, "shutdown", "the subworker stopped before the "
                                                         "task finished", None, False), credits=0)

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def start(self, link: Link, frame: dict, traceparent) -> None:
        """Runs a task frame the control plane sent on ``link`` (or refuses it, reporting why)."""
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

    def written(self, keys: List) -> None:
        """The results of ``keys`` are on the wire: an ended attempt is forgotten."""
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

    def cancel(self, key) -> None:
        """Asks the attempt ``key`` (task id, attempt) to stop, if it runs here."""
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


    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="fastworker-async", daemon=True).start()
            return self._loop


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


def _trace_id(traceparent) -> Optional[str]:
    """The trace id of a W3C ``traceparent`` (``00-<32 hex>-<16 hex>-<2 hex>``), or None."""
    if isinstance(traceparent, str):
        parts = traceparent.split("-")
        if len(parts) == 4 and len(parts[1]) == 32 and all(c in "0123456789abcdef" for c in parts[1]):
            return parts[1]
    return None
