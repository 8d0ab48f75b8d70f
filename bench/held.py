"""The "held" scenario of bench/run (`bench/run --held`): a control plane that holds a large backlog, then as many
results, under the JVM settings a Kubernetes pod of deploy/k8s gets (a 1 GiB memory limit, the heap at 75% of it).
For each runtime, interleaved round by round: N `noop` tasks submitted with no subworker connected (all of them
queued), the live heap (after a full GC) and RSS with the backlog held, then 2 subworkers started into it, the
burn-down's rate, the control plane's GC pauses during it and the subworkers' CPU per task, and the live heap and RSS
with N results held.
Runtimes: Java 17 and Java 25 with G1 (the JDK's choice on a machine of 2+ CPUs and 2+ GB), Java 25 with the serial
collector (the JDK's choice in a container of less than 2 GB, such as the manifests' pods), each of the Java 25 ones
with and without compact object headers."""
import os
import statistics
import subprocess
import time

JAVA_25_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"
HEAP = ["-Xmx768m"]  # what -XX:MaxRAMPercentage=75 (deploy/k8s) gives in a 1 GiB container
COH = ["-XX:+UseCompactObjectHeaders"]


def runtimes():
    java25 = os.path.join(JAVA_25_HOME, "bin", "java")
    return [
        {"name": "Java 17, G1", "java": "java", "jcmd": "jcmd", "flags": []},
        {"name": "Java 25, G1", "java": java25, "jcmd": java25[:-4] + "jcmd", "flags": ["-XX:+UseG1GC"]},
        {"name": "Java 25, G1, compact headers", "java": java25, "jcmd": java25[:-4] + "jcmd",
         "flags": ["-XX:+UseG1GC"] + COH},
        {"name": "Java 25, serial", "java": java25, "jcmd": java25[:-4] + "jcmd", "flags": ["-XX:+UseSerialGC"]},
        {"name": "Java 25, serial, compact headers", "java": java25, "jcmd": java25[:-4] + "jcmd",
         "flags": ["-XX:+UseSerialGC"] + COH},
    ]


def metrics(run, port):
    """The control plane's heap in use (MB) and its GC pauses so far (total seconds, count)."""
    _, body = run.burndown.http("GET", "http://127.0.0.1:%d/q/metrics" % port)
    heap = pause = count = 0.0
    for line in body.decode().splitlines():
        if line.startswith("jvm_memory_used_bytes{") and 'area="heap"' in line:
            heap += float(line.rsplit(" ", 1)[1])
        elif line.startswith("jvm_gc_pause_seconds_sum{"):
            pause += float(line.rsplit(" ", 1)[1])
        elif line.startswith("jvm_gc_pause_seconds_count{"):
            count += float(line.rsplit(" ", 1)[1])
    return heap / 2 ** 20, pause, count


def live(run, rt, c):
    """Live heap (MB, after a full GC) and resident memory (MB) of the control plane."""
    pid = dict(c.procs)["control-plane"].pid
    subprocess.run([rt["jcmd"], str(pid), "GC.run"], capture_output=True, check=True)
    return metrics(run, c.http_port)[0], run.burndown.rss_mb(pid, "VmRSS")


def one(run, rt, tasks):
    burndown = run.burndown
    flags = run.JVM_FLAGS + HEAP + rt["flags"]
    c = run.Cluster(0, tasks_hint=tasks, java=rt["java"], flags=flags, settle=0)
    try:
        t0 = time.time()
        for sent in range(0, tasks, 1000):
            status, _ = burndown.http("POST", c.url + "/tasks/batch", [{"task": "noop"}] * min(1000, tasks - sent))
            assert status == 202, status
        submit_rate = tasks / (time.time() - t0)
        heap_queued, rss_queued = live(run, rt, c)
        _, pause0, count0 = metrics(run, c.http_port)
        for i in range(2):
            c._start("subworker-%d" % i, ["--role", "subworker", "--control-plane-address", c.addresses,
                                          "--worker-id", "held-%d" % i, "--concurrency", "8"], burndown.free_port(),
                     dict(os.environ, **run.JVM_ENV), ready=False)
        t1 = time.time()
        first = None  # (time, tasks done, CPU) once the subworkers have started working: their start is not measured
        while True:
            done = burndown.completed(c.http_port)
            if first is None and done > 0:
                first = (time.time(), done, c.cpu())
            if done >= tasks:
                break
            if time.time() - t1 > 300:
                raise SystemExit("%s: %d of %d done after 300 s" % (rt["name"], done, tasks))
            time.sleep(0.05)
        rate = (tasks - first[1]) / (time.time() - first[0])
        cpu0 = first[2]
        cpu = c.cpu()
        sub_cpu = sum(cpu[k] - cpu0[k] for k in cpu if k.startswith("subworker"))
        _, pause1, count1 = metrics(run, c.http_port)
        heap_results, rss_results = live(run, rt, c)
    finally:
        c.close()
    return {"submitRate": submit_rate, "heapQueued": heap_queued, "rssQueued": rss_queued, "rate": rate,
            "pauseMs": 1000 * (pause1 - pause0), "pauses": count1 - count0, "subworkerCpuMicros": 1e6 * sub_cpu / (tasks - first[1]),
            "heapResults": heap_results, "rssResults": rss_results}


def spread(values, fmt):
    return "%s (%s-%s)" % (fmt % statistics.median(values), fmt % min(values), fmt % max(values))


def main(run, tasks, rounds):
    if not os.path.exists(os.path.join(JAVA_25_HOME, "bin", "java")):
        raise SystemExit("the held scenario needs Temurin 25 at " + JAVA_25_HOME)
    rts = runtimes()
    figures = {rt["name"]: [] for rt in rts}
    for _ in range(rounds):
        for rt in rts:  # interleaved: each round runs every runtime once, in turn
            figures[rt["name"]].append(one(run, rt, tasks))
    print()
    print("held: a control plane with %d queued tasks, then %d results (-Xmx768m); %d round(s), median (min-max)"
          % (tasks, tasks, rounds))
    cols = ("runtime", "submit/s", "live MB queued", "RSS MB queued", "burn-down/s", "GC ms (n)", "sub CPU us",
            "live MB results", "RSS MB results")
    fmt = "%-34s %20s %20s %14s %20s %14s %16s %20s %14s"
    print(fmt % cols)
    for rt in rts:
        f = figures[rt["name"]]
        print(fmt % (rt["name"], spread([x["submitRate"] for x in f], "%.0f"),
                     spread([x["heapQueued"] for x in f], "%.0f"),
                     "%.0f" % statistics.median([x["rssQueued"] for x in f]), spread([x["rate"] for x in f], "%.0f"),
                     "%.0f (%d)" % (statistics.median([x["pauseMs"] for x in f]),
                                    statistics.median([x["pauses"] for x in f])),
                     spread([x["subworkerCpuMicros"] for x in f], "%.0f"),
                     spread([x["heapResults"] for x in f], "%.0f"),
                     "%.0f" % statistics.median([x["rssResults"] for x in f])))
    print("live MB: the control plane's heap in use after a full GC; GC ms (n): its pauses during the burn-down, "
          "total and count; sub CPU us: CPU of both subworkers per task")
    return figures
