"""Real processes for the SDK's tests: a FastWorker control plane (the stock daemon's jar) and Python subworkers
started with the ``fastworker`` command, as a user starts them.

The daemon is ``FASTWORKER_JAR`` or, by default, the repository's ``daemon/target/quarkus-app/quarkus-run.jar``
(build it first: ``./mvnw -B -q package -DskipTests -pl daemon -am``); ``FASTWORKER_JAVA`` names the ``java`` to
run it with.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SDK = HERE.parent
ROOT = SDK.parent.parent
JAR = Path(os.environ.get("FASTWORKER_JAR", ROOT / "daemon/target/quarkus-app/quarkus-run.jar"))
JAVA = os.environ.get("FASTWORKER_JAVA", "java")

try:
    import fastworker  # noqa: F401  (the installed package, when there is one)
except ImportError:
    sys.path.insert(0, str(SDK))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as e:
        payload = e.read()
        return e.code, json.loads(payload) if payload else None


def eventually(check, timeout=20.0, what="the condition"):
    """Polls ``check`` until it returns something true; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except AssertionError as e:
            last = e
        time.sleep(0.05)
    raise AssertionError("%s did not happen within %.0f s (last: %r)" % (what, timeout, last))


class ControlPlane:
    """A control plane process that runs no task itself (every task goes to a subworker), with a disk store."""

    def __init__(self, workdir: Path, env=None):
        self.workdir = workdir
        self.http_port, self.link_port = free_port(), free_port()
        self.url = "http://127.0.0.1:%d" % self.http_port
        self.link = "tcp://127.0.0.1:%d" % self.link_port
        self.env = dict(env or {})
        self.process = None
        self.start()

    def start(self):
        env = dict(os.environ, FASTWORKER_STORE_PATH=str(self.workdir / "store"),
                   FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY="false", **self.env)
        log = open(self.workdir / "control-plane.log", "ab")
        self.process = subprocess.Popen([JAVA, "-Dquarkus.http.port=%d" % self.http_port, "-jar", str(JAR),
                                         "--role", "control-plane", "--link-port", str(self.link_port)],
                                        env=env, stdout=log, stderr=subprocess.STDOUT)
        eventually(self._ready, 60, "the control plane's readiness")

    def _ready(self):
        if self.process.poll() is not None:
            raise RuntimeError("the control plane exited with %s:\n%s" % (self.process.returncode, self.log()))
        try:
            return http("GET", self.url + "/q/health/ready")[0] == 200
        except OSError:
            return False

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return (self.workdir / "control-plane.log").read_text(errors="replace")[-6000:]

    def task(self, task_id: str) -> dict:
        status, body = http("GET", "%s/tasks/%s" % (self.url, task_id))
        assert status == 200, (status, body)
        return body

    def worker(self, worker_id: str):
        status, workers = http("GET", self.url + "/workers")
        return next((w for w in workers if w["id"] == worker_id), None)


class PySubworker:
    """A ``fastworker subworker`` process of the SDK, with the test tasks and the original's example module."""

    def __init__(self, cp: ControlPlane, worker_id: str, concurrency=1, modules=("pytasks", "mytasks"), extra=(),
                 paths=(), env=None, wait=True):
        self.cp, self.worker_id = cp, worker_id
        self.logfile = cp.workdir / ("%s.log" % worker_id)
        path = os.pathsep.join([str(p) for p in paths] + [str(HERE), str(SDK / "examples")] + sys.path)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fastworker", "subworker", "--task-modules", *modules,
             "--control-plane-address", cp.link, "--worker-id", worker_id, "--concurrency", str(concurrency),
             *extra], cwd=str(cp.workdir), env=dict(os.environ, PYTHONPATH=path, **(env or {})),
            stdout=open(self.logfile, "ab"), stderr=subprocess.STDOUT)
        if wait:
            self.await_active()

    def await_active(self):
        def active():
            if self.process.poll() is not None:
                raise RuntimeError("subworker %s exited with %s:\n%s" % (self.worker_id, self.process.returncode,
                                                                        self.log()))
            worker = self.cp.worker(self.worker_id)
            return worker is not None and worker["active"]
        eventually(active, 30, "subworker %s joining" % self.worker_id)

    def log(self) -> str:
        return self.logfile.read_text(errors="replace")[-6000:]

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def terminate(self, timeout=40):
        self.process.terminate()
        return self.process.wait(timeout)


@pytest.fixture(scope="session")
def workdir():
    with tempfile.TemporaryDirectory(prefix="fastworker-sdk-") as d:
        yield Path(d)


@pytest.fixture(scope="session")
def cp(workdir):
    """One control plane for the tests that do not restart it."""
    (workdir / "shared").mkdir()
    plane = ControlPlane(workdir / "shared")
    yield plane
    plane.stop()


@pytest.fixture
def client(cp):
    from fastworker import Client
    return Client(cp.url)


@pytest.fixture
def subworkers(request):
    """Starts subworkers for one test and kills whatever is left of them after it."""
    started = []

    def start(cp, worker_id, **options):
        worker = PySubworker(cp, worker_id + "-" + request.node.name[:40].replace("[", "-").replace("]", ""),
                             **options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def overlap(tasks) -> int:
    """The most attempts that ran at the same time, from the tasks' start and end times on the control plane."""
    edges = []
    for task in tasks:
        edges.append((datetime.fromisoformat(task["startedAt"]), 1))
        edges.append((datetime.fromisoformat(task["finishedAt"]), -1))
    most = current = 0
    for _, step in sorted(edges, key=lambda e: (e[0], e[1])):
        current += step
        most = max(most, current)
    return most
