"""The paired scenarios of bench/run: two configurations of the daemon side by side, in interleaved pairs.

`bench/run --cluster-pairs`: a cluster of three control planes against one control plane, both with the disk store.
`bench/run --store-pairs`: one control plane with the disk store (`sync=always`, as it ships) against the memory
store.

In each pair: `wrk` POSTing single noop tasks (32 connections) to each side, running the tasks themselves, after a
warm-up under the same load (Ratis and the journal are a lot of code for the JIT); then a warm burn-down through two
subworkers on each. Reported per run: accepted/s, p50 and p99, CPU (user + system of the FastWorker JVMs, not `wrk`)
per accepted submission, and for a cluster the log entries the leader applied. With `--profile-lib`,
async-profiler samples each JVM's CPU over the measured window, and its collapsed stacks are left in
bench/results."""
import json
import os
import statistics
import subprocess
import tempfile
import urllib.request

# Loads an agent into a running JVM (what async-profiler's asprof does), as a single-file Java program.
ATTACH = """import com.sun.tools.attach.VirtualMachine;
public class Attach { public static void main(String[] a) throws Exception {
  VirtualMachine vm = VirtualMachine.attach(a[0]); vm.loadAgentPath(a[1], a[2]); vm.detach(); } }
"""


def applied_index(url):
    """The leader's fastworker_cluster_applied_index (None for a single node)."""
    with urllib.request.urlopen(url + "/q/metrics", timeout=10) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("fastworker_cluster_applied_index"):
                return float(line.split()[-1])
    return None


def one(run, side, warm, seconds, profile_lib, attach, label):
    c = run.Cluster(0, local=True, tasks_hint=200000, **side)
    try:
        run.wrk(c.url, warm)
        pids = {name: p.pid for name, p in c.procs}
        if profile_lib:
            for pid in pids.values():
                subprocess.run(["java", attach, str(pid), profile_lib, "start,event=cpu,interval=1ms"], check=True)
        cpu0, entries0 = c.cpu(), applied_index(c.url)
        w = run.wrk(c.url, seconds)
        cpu1, entries1 = c.cpu(), applied_index(c.url)
        if profile_lib:
            for name, pid in pids.items():
                out = os.path.join(run.RESULTS, "profile-%s-%s.collapsed" % (label, name))
                subprocess.run(["java", attach, str(pid), profile_lib, "stop,file=%s,collapsed" % out], check=True)
    finally:
        c.close()
    cpu = sum(cpu1[k] - cpu0[k] for k in cpu1)
    return {"rate": w["rate"], "p50": w["latency"].get("50"), "p99": w["latency"].get("99"),
            "cpuMicros": 1e6 * cpu / max(1, w["accepted"]),
            "cpuByProcess": {k: round(cpu1[k] - cpu0[k], 2) for k in cpu1},
            "entries": None if entries0 is None else entries1 - entries0, "accepted": w["accepted"]}


def burn(run, side, tasks):
    """The warm burn-down of bench/run's scenario 1: `tasks` noop tasks in batches of 1,000 through two subworkers
    (concurrency 8), after two unmeasured burn-downs of the same size; completion tasks/s and CPU µs per task."""
    c = run.Cluster(2, tasks_hint=tasks, **side)
    try:
        for _ in range(2):
            run.light_burndown(c, tasks, sample=0)
        cpu0 = c.cpu()
        b = run.light_burndown(c, tasks, sample=0)
        cpu1 = b.pop("cpuAtEnd")
    finally:
        c.close()
    return {"rate": b["completionRate"], "submitRate": b["submitRate"],
            "cpuMicros": 1e6 * sum(cpu1[k] - cpu0[k] for k in cpu1) / tasks}


# What each comparison runs: (label, the Cluster's arguments) for its base and for the side measured against it.
COMPARISONS = {
    "cluster": (("single", {"members": 1}), ("cluster", {"members": 3}), "cluster of 3 against a single control plane",
                "cluster against single"),
    "store": (("memory", {"store": "memory"}), ("disk", {"store": "disk"}),
              "the disk store (sync=always) against the memory store", "disk against memory"),
}


def main(run, comparison, rounds, warm, seconds, profile_lib=None, tasks=20000):
    (base, base_side), (other, other_side), title, against = COMPARISONS[comparison]
    directory = tempfile.mkdtemp(prefix="fastworker-bench-pairs-")
    attach = os.path.join(directory, "Attach.java")
    with open(attach, "w") as f:
        f.write(ATTACH)
    os.makedirs(run.RESULTS, exist_ok=True)
    pairs = []
    for k in range(rounds):  # interleaved: the base, then the other, pair by pair
        first = one(run, base_side, warm, seconds, profile_lib, attach, "%s-%d" % (base, k))
        second = one(run, other_side, warm, seconds, profile_lib, attach, "%s-%d" % (other, k))
        burn_first = burn(run, base_side, tasks)
        burn_second = burn(run, other_side, tasks)
        pairs.append({base: first, other: second, "ratio": second["rate"] / first["rate"],
                      "burndown": {base: burn_first, other: burn_second,
                                   "ratio": burn_second["rate"] / burn_first["rate"]}})
        print(json.dumps(pairs[-1]))
    print()
    print("%s: wrk -c32 POST /tasks (noop), %d s warm-up, %d s measured; %d pair(s)" % (title, warm, seconds, rounds))
    fmt = "%-6s %-9s %12s %9s %9s %18s %22s"
    print(fmt % ("pair", "run", "accepted/s", "p50", "p99", "CPU us/submission", "submissions per entry"))
    for k, p in enumerate(pairs):
        for kind in (base, other):
            r = p[kind]
            per_entry = "%.1f" % (r["accepted"] / r["entries"]) if r["entries"] else "-"
            print(fmt % (k + 1, kind, "%.0f" % r["rate"], r["p50"] or "-", r["p99"] or "-", "%.0f" % r["cpuMicros"],
                         per_entry))
    summary(against, [p["ratio"] for p in pairs])
    print()
    print("burn-down: %d noop tasks in batches of 1,000 through 2 subworkers, after 2 unmeasured ones" % tasks)
    fmt = "%-6s %-9s %16s %14s %14s"
    print(fmt % ("pair", "run", "completed/s", "submitted/s", "CPU us/task"))
    for k, p in enumerate(pairs):
        for kind in (base, other):
            r = p["burndown"][kind]
            print(fmt % (k + 1, kind, "%.0f" % r["rate"], "%.0f" % r["submitRate"], "%.0f" % r["cpuMicros"]))
    summary(against, [p["burndown"]["ratio"] for p in pairs])
    return pairs


def summary(against, ratios):
    print("%s: %.0f%% (%.0f%%-%.0f%%)" % (against, 100 * statistics.median(ratios), 100 * min(ratios),
                                          100 * max(ratios)))
