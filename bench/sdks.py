"""The SDK scenario of bench/run (`bench/run --sdks`): a burn-down of noop tasks through two subworkers of each kind,
on a control plane that runs nothing itself, interleaved round by round: Java (the daemon's own subworker), the
Python SDK (`fastworker subworker`), the Node SDK (`fastworker-node subworker`), and a raw Python loop over the
protocol (`bench/raw_subworker.py`: frames only, no SDK), which shows what the protocol itself costs Python. Each
subworker has concurrency 16. Reports completion tasks/s and the subworkers' CPU per task."""
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KINDS = ["java", "python sdk", "node sdk", "raw python loop"]


def command(kind, addresses, worker_id):
    if kind == "python sdk":
        return [sys.executable, "-m", "fastworker", "--log-level", "WARNING", "subworker", "--task-modules",
                "bench_tasks", "--control-plane-address", addresses, "--worker-id", worker_id, "--concurrency", "16"]
    if kind == "node sdk":
        return ["node", os.path.join(ROOT, "sdk/typescript/src/cli.js"), "subworker", "--task-modules",
                os.path.join(HERE, "bench_tasks.mjs"), "--control-plane-address", addresses, "--worker-id",
                worker_id, "--concurrency", "16"]
    return [sys.executable, os.path.join(HERE, "raw_subworker.py"), addresses, worker_id, "16"]


def one(run, kind, tasks):
    if kind == "java":
        c = run.Cluster(2, concurrency=16, tasks_hint=tasks)
        workers = []
    else:
        c = run.Cluster(0, tasks_hint=tasks)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "sdk/python"), HERE]))
        workers = [subprocess.Popen(command(kind, c.addresses, "%s-%d" % (kind.split()[0], i)), env=env, cwd=HERE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(2)]
        deadline = time.time() + 30
        while time.time() < deadline:
            _, body = run.burndown.http("GET", c.url + "/workers")
            if sum(1 for w in run.json.loads(body) if w["kind"] == "subworker" and w["active"]) == 2:
                break
            time.sleep(0.1)
        else:
            raise SystemExit("the %s subworkers did not join" % kind)
    try:
        run.light_burndown(c, max(1000, tasks // 5), sample=0)  # warm-up
        before = sub_cpu(run, c, workers)
        b = run.light_burndown(c, tasks, sample=0)
        cpu = sub_cpu(run, c, workers) - before
        return {"rate": b["completionRate"], "cpuPerTaskUs": 1e6 * cpu / tasks}
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                w.kill()
        c.close()


def sub_cpu(run, c, workers):
    """CPU seconds used so far by the subworkers (the Java ones of the cluster, or the SDK processes)."""
    if workers:
        return sum(run.burndown.cpu_seconds(w.pid) for w in workers)
    return sum(v for k, v in c.cpu().items() if k.startswith("subworker"))


def spread(values, fmt):
    return "%s (%s-%s)" % (fmt % statistics.median(values), fmt % min(values), fmt % max(values))


def main(run, tasks, rounds):
    figures = {k: [] for k in KINDS}
    for _ in range(rounds):
        for kind in KINDS:  # interleaved: each round runs every kind once, in turn
            figures[kind].append(one(run, kind, tasks))
    print()
    print("sdks: burn-down of %d noop tasks through 2 subworkers (concurrency 16) of each kind; %d round(s), median "
          "(min-max)" % (tasks, rounds))
    fmt = "%-18s %26s %30s"
    print(fmt % ("subworkers", "completion tasks/s", "subworker CPU per task (us)"))
    for kind in KINDS:
        f = figures[kind]
        print(fmt % (kind, spread([x["rate"] for x in f], "%.0f"), spread([x["cpuPerTaskUs"] for x in f], "%.0f")))
    return figures
