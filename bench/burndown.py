#!/usr/bin/env python3
"""Burn-down benchmark (first cut of issue 5): a control plane (not executing locally) and N subworkers from the
packaged jar, N tasks of `noop` submitted through POST /tasks/batch, then waited for. Prints submit rate,
completion rate and peak RSS per process, and stops everything it started.

    ./mvnw -B package -DskipTests && python3 bench/burndown.py --tasks 100000 --subworkers 2
"""
import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

JAR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "daemon", "target", "quarkus-app", "quarkus-run.jar")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, timeout=120):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def wait_ready(port, deadline=60, poll=0.1):
    end = time.time() + deadline
    while time.time() < end:
        try:
            if http("GET", "http://127.0.0.1:%d/q/health/ready" % port)[0] == 200:
                return
        except Exception:
            pass
        time.sleep(poll)
    raise SystemExit("process on port %d not ready" % port)


def rss_mb(pid, field="VmHWM"):
    """Peak resident memory of a process in MB (`field="VmRSS"`: resident now)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(field + r":\s+(\d+) kB", f.read())
            return int(m.group(1)) / 1024 if m else 0.0
    except OSError:
        return 0.0


def cpu_seconds(pid):
    """User + system CPU time a process has used so far."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def completed(port):
    _, body = http("GET", "http://127.0.0.1:%d/q/metrics" % port)
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith("fastworker_tasks_completed_total{") and 'task="noop"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


class OtlpSink(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports and answers 200 with an empty (valid) protobuf response; counts bytes."""
    received = {"requests": 0, "bytes": 0}

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        self.rfile.read(n)
        OtlpSink.received["requests"] += 1
        OtlpSink.received["bytes"] += n
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def burn(base, http_port, tasks, batch, already_done, keep_every=0):
    """Submits `tasks` noop tasks in batches and waits until the workers have completed them (counted from the
    control plane's metrics, less `already_done`). Returns the time the submissions took and every
    `keep_every`-th task id (none when 0)."""
    t0 = time.time()
    sent = 0
    kept = []
    while sent < tasks:
        n = min(batch, tasks - sent)
        status, body = http("POST", base + "/tasks/batch", [{"task": "noop"}] * n)
        assert status == 202, status
        if keep_every:
            kept.extend(json.loads(body)["ids"][::keep_every])
        sent += n
    t_submit = time.time() - t0
    last, stalled_since = -1.0, time.time()
    while True:
        done = completed(http_port) - already_done
        if done >= tasks:
            return t_submit, kept
        if done != last:
            last, stalled_since = done, time.time()
        elif time.time() - stalled_since > 30:
            raise SystemExit("no progress for 30 s at %d of %d completed" % (done, tasks))
        time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=100000)
    ap.add_argument("--subworkers", type=int, default=2)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--warmup", type=int, default=0, metavar="N",
                    help="burn N tasks down first, unmeasured, so that the JIT has compiled the hot path")
    ap.add_argument("--jfr", metavar="DIR", help="record a Java Flight Recorder profile of every process into DIR")
    ap.add_argument("--async-profiler", metavar="LIB",
                    help="path to libasyncProfiler.so (from Maven Central's tools.profiler:async-profiler): write "
                         "collapsed CPU stacks of every process into the --jfr directory instead of JFR recordings")
    ap.add_argument("--jar", default=JAR, help="the daemon's quarkus-run.jar (default: this checkout's build), to "
                    "compare two builds")
    ap.add_argument("--store", choices=("memory", "disk"), default="memory",
                    help="the control plane's task store (disk: a journal in a fresh temporary directory)")
    ap.add_argument("--otel", action="store_true",
                    help="turn OpenTelemetry on in every process, exporting to an OTLP/HTTP sink run here")
    a = ap.parse_args()
    procs = []
    store = tempfile.mkdtemp(prefix="fastworker-store-")
    try:
        http_port, link_port = free_port(), free_port()
        env = dict(os.environ, FASTWORKER_CONTROL_PLANE_EXECUTE_LOCALLY="false",
                   FASTWORKER_QUEUE_CAPACITY=str(max(100000, a.tasks, a.warmup)),
                   FASTWORKER_RESULT_CACHE_SIZE=str(max(10000, a.tasks)), FASTWORKER_STORE_MODE=a.store,
                   FASTWORKER_STORE_PATH=store)
        worker_env = dict(os.environ)
        if a.otel:
            sink = ThreadingHTTPServer(("127.0.0.1", 0), OtlpSink)
            threading.Thread(target=sink.serve_forever, daemon=True).start()
            otel = {"FASTWORKER_OTEL_ENABLED": "true", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
                    "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:%d" % sink.server_address[1]}
            env.update(otel, OTEL_SERVICE_NAME="bench-control-plane")
            worker_env.update(otel, OTEL_SERVICE_NAME="bench-subworker")
        def profile(command):
            """Starts or stops async-profiler in every process (attached with jcmd, so start-up is not in it)."""
            if a.async_profiler:
                for name, p in procs:
                    subprocess.run(["jcmd", str(p.pid), "JVMTI.agent_load", a.async_profiler, '"%s"' %
                                    command.replace("{name}", name)], check=True, capture_output=True)

        def jvm(name):
            if not a.jfr:
                return ["java"]
            os.makedirs(a.jfr, exist_ok=True)
            if a.async_profiler:
                return ["java"]
            return ["java", "-XX:FlightRecorderOptions:stackdepth=256",
                    "-XX:StartFlightRecording=settings=profile,filename=%s/%s.jfr" % (a.jfr, name)]
        cp = subprocess.Popen(jvm("control-plane") + ["-Dquarkus.http.port=%d" % http_port, "-jar", a.jar, "--role", "control-plane",
                               "--link-port", str(link_port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        procs.append(("control-plane", cp))
        wait_ready(http_port)
        for i in range(a.subworkers):
            p = free_port()
            w = subprocess.Popen(jvm("subworker-%d" % i) + ["-Dquarkus.http.port=%d" % p, "-jar", a.jar, "--role", "subworker",
                                  "--control-plane-address", "tcp://127.0.0.1:%d" % link_port, "--worker-id",
                                  "bench-%d" % i, "--concurrency", str(a.concurrency)], env=worker_env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(("subworker-%d" % i, w))
            wait_ready(p)
        idle = {name: rss_mb(p.pid) for name, p in procs}
        base = "http://127.0.0.1:%d" % http_port
        if a.warmup:
            burn(base, http_port, a.warmup, a.batch, 0)
        profile("start,event=itimer,interval=1ms,threads")
        cpu0 = {name: cpu_seconds(p.pid) for name, p in procs}
        own0 = os.times()
        t0 = time.time()
        t_submit, _ = burn(base, http_port, a.tasks, a.batch, a.warmup)
        t_done = time.time() - t0
        profile("stop,collapsed,file=%s/{name}.collapsed" % a.jfr)
        cpu = {name: cpu_seconds(p.pid) - cpu0[name] for name, p in procs}
        own = os.times()
        cpu["bench client"] = own.user + own.system - own0.user - own0.system
        print("machine: %d cores, %s" % (os.cpu_count(), subprocess.run(["java", "-version"], capture_output=True,
                                                                          text=True).stderr.splitlines()[0]))
        print("burn-down: %d noop tasks, control plane + %d subworkers (concurrency %d), batches of %d, "
              "OpenTelemetry %s, %s store, %s" % (a.tasks, a.subworkers, a.concurrency, a.batch,
                                                   "on" if a.otel else "off", a.store,
                                                   "after %d warm-up tasks" % a.warmup if a.warmup else "cold JVMs"))
        print("  submit rate     %10.0f tasks/s  (%.2f s)" % (a.tasks / t_submit, t_submit))
        print("  completion rate %10.0f tasks/s  (%.2f s until the last finished)" % (a.tasks / t_done, t_done))
        for name, p in procs:
            print("  %-14s RSS idle %6.0f MB, peak %6.0f MB" % (name, idle[name], rss_mb(p.pid)))
        print("  CPU during the run: " + ", ".join("%s %.1f s" % (n, c) for n, c in cpu.items())
              + " (%.0f µs of CPU per task in all)" % (1e6 * sum(cpu.values()) / a.tasks))
        if a.otel:
            time.sleep(6)  # let the batch processors drain
            print("  OTLP received   %d requests, %.1f MB" % (OtlpSink.received["requests"],
                                                              OtlpSink.received["bytes"] / 1e6))
    finally:
        for _, p in procs:
            p.terminate()
        for _, p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
