"""A subworker: joins a control plane over the link and runs the tasks it is sent, as the Java subworker does."""
import logging
import os
import socket
import threading
import time
import uuid
from typing import Dict, Iterable, Optional

from .attempts import Attempts
from .link import Link, LinkDown, tls_context
from .tasks.registry import TaskDef, registered

PROTOCOL = 3
log = logging.getLogger("fastworker.subworker")


class JoinRefused(Exception):
    """The control plane refused the join for a reason another try cannot mend (a bad declaration, a wrong
    token): the subworker stops, with the control plane's reason."""


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
        self._term = 0
        self._stopping = threading.Event()
        self._attempts = Attempts(self.tasks, concurrency, max_result_size, self._stopping, self.worker_id)
        self.joined = threading.Event()

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
            self._attempts.await_idle(time.monotonic() + self._shutdown_timeout)
            return 0
        finally:
            self._attempts.close()

    def stop(self) -> None:
        """Drains and leaves (safe from a signal handler and any thread): no new task is taken, running bodies get
        ``shutdown_timeout`` to finish, their results are sent, and :meth:`run` returns."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        link = self._attempts.link
        if link is not None:
            log.info("stopping: draining %d running task(s)", self._attempts.busy)
            try:
                link.send("fastworker.link.drain", {})
            except LinkDown:
                pass
            threading.Thread(target=self._leave, args=(link,), name="fastworker-drain", daemon=True).start()

    def _leave(self, link: Link) -> None:
        self._attempts.await_idle(time.monotonic() + self._shutdown_timeout)
        self._attempts.report_shutdown()
        try:
            link.send("fastworker.link.leave", {})
        except LinkDown:
            pass
        time.sleep(0.2)  # lets the writer put the last frames on the wire
        link.close()

    def _session(self, address: str) -> bool:
        """One connection: join, then take tasks until it drops. True when it had joined."""
        link = Link(address, lambda: tls_context(*self._tls))
        link.written = self._attempts.written
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
            self._attempts.dropped(link)
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
        holding = self._attempts.holding(2 * self.concurrency)
        if holding:
            body["holding"] = holding
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
        link.batch = self._batch
        interval = _whole(body.get("heartbeatIntervalMs"), 1000) / 1000.0
        self._attempts.joined(link, _whole(body.get("maxResultSize"), 1 << 20), body.get("protocol", 1) >= 3)
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

    def _received(self, link: Link, frame: dict) -> None:
        body = frame.get("body")
        if not isinstance(body, dict):
            return
        if "cancel" in body:
            stop = body.get("cancel") or {}
            self._attempts.cancel((stop.get("taskId"), stop.get("attempt")))
        elif isinstance(body.get("tasks"), list):
            for task in body["tasks"]:
                if isinstance(task, dict):
                    trace = task.get("trace") if isinstance(task.get("trace"), dict) else {}
                    self._attempts.start(link, task, trace.get("traceparent"))
        else:
            headers = frame.get("headers") if isinstance(frame.get("headers"), dict) else {}
            self._attempts.start(link, body, headers.get("traceparent"))

    def _log_schedules(self) -> None:
        for name, definition in sorted(self.tasks.items()):
            if definition.schedule:
                log.warning("task %s declares a schedule (%s); a subworker does not schedule: create it on the "
                            "control plane with POST /schedules", name,
                            ", ".join("%s=%s" % kv for kv in sorted(definition.schedule.items())))


def _whole(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
