"""The "cold" scenario of bench/run (`bench/run --cold`): fresh JVMs, as autoscaling and every restart see them. For
each runtime, interleaved round by round: a control plane's start to ready (disk store, empty), a subworker's start to
joined, a CLI `submit` from start to exit (as the first request the fresh processes serve, then once more), the first
N tasks burned down through 2 fresh subworkers, RSS at rest, and a subworker started into N queued tasks (start to its
first task done).
Runtimes: Java 17 and Java 25 with the default packaging, Java 17 with class-data-sharing archives (train-aot on Java
17, each role on its own archive), Java 25 with compact object headers, and Java 25 with the AOT caches (the daemon
built with -Daot, each role on its own cache). Builds both packagings of the daemon and leaves
the default one in daemon/target/quarkus-app."""
import os
import shutil
import statistics
import subprocess
import tempfile
import time

JAVA_25_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"


def build(root, java_home, aot):
    env = dict(os.environ, JAVA_HOME=java_home) if java_home else dict(os.environ)
    args = [os.path.join(root, "mvnw"), "-B", "-q", "package", "-pl", "daemon", "-am", "-DskipTests", "-DskipITs"]
    subprocess.run(args + (["-Daot"] if aot else []), cwd=root, env=env, check=True)


def runtimes(root, work):
    """Builds the default packaging (copied to `work`, its archives trained there) and the aot-jar with its caches (in
    place)."""
    app = os.path.join(root, "daemon", "target", "quarkus-app")
    build(root, None, False)
    fast = os.path.join(work, "quarkus-app")
    shutil.copytree(app, fast)
    jsa = os.path.join(work, "cds")
    subprocess.run(["java", "-jar", os.path.join(fast, "quarkus-run.jar"), "train-aot", "--output", jsa],
                   check=True, stdout=subprocess.DEVNULL)
    build(root, JAVA_25_HOME, True)
    java25 = os.path.join(JAVA_25_HOME, "bin", "java")
    caches = {role: ["-XX:AOTCache=" + os.path.join(app, role + ".aot")] for role in ("control-plane", "subworker")}
    return [
        {"name": "Java 17", "java": "java", "jar": os.path.join(fast, "quarkus-run.jar"), "roles": {}},
        {"name": "Java 17 + CDS archives", "java": "java", "jar": os.path.join(fast, "quarkus-run.jar"),
         "roles": {r: ["-XX:SharedArchiveFile=" + os.path.join(jsa, r + ".jsa")]
                   for r in ("control-plane", "subworker", "cli")}},
        {"name": "Java 25", "java": java25, "jar": os.path.join(fast, "quarkus-run.jar"), "roles": {}},
        {"name": "Java 25, compact object headers", "java": java25, "jar": os.path.join(fast, "quarkus-run.jar"),
         "roles": {r: ["-XX:+UseCompactObjectHeaders"] for r in ("control-plane", "subworker", "cli")}},
        {"name": "Java 25 + AOT caches", "java": java25, "jar": os.path.join(app, "quarkus-run.jar"),
         "roles": dict(caches, cli=["-XX:AOTCache=" + os.path.join(app, "cli.aot")])},
    ], fast, app


def one(run, rt, tasks):
    """One cold start of runtime `rt`: its figures."""
    c = run.Cluster(2, tasks_hint=tasks, java=rt["java"], jar=rt["jar"], role_flags=rt["roles"], settle=1)
    try:
        rss = c.rss("VmRSS")
        cli_first = cli(rt, c.url)  # the first request the control plane and the subworkers ever serve
        cli_s = cli(rt, c.url)
        cpu0 = c.cpu()
        b = run.light_burndown(c, tasks, sample=0)
        cpu = b.pop("cpuAtEnd")
        sub_cpu = sum(cpu[k] - cpu0[k] for k in cpu if k.startswith("subworker"))
    finally:
        c.close()
    return {"ready": c.ready_s["control-plane"], "joined": c.ready_s["subworker-0"], "cliFirst": cli_first,
            "cli": cli_s,
            "rate": b["completionRate"], "subworkerCpuMicros": 1e6 * sub_cpu / tasks,
            "rssControlPlane": rss["control-plane"], "rssSubworker": rss["subworker-0"]}


def cli(rt, url):
    """Seconds from the start of a CLI `submit` of `add 1 2` to its exit (it waits for the result)."""
    t0 = time.time()
    out = subprocess.run([rt["java"]] + rt["roles"].get("cli", []) + ["-jar", rt["jar"], "submit", "--url", url,
                                                                      "--task-name", "add", "--args", "1", "2"],
                         capture_output=True, text=True)
    if out.returncode != 0 or out.stdout.strip() != "3":
        raise SystemExit("%s: the CLI failed: %s%s" % (rt["name"], out.stdout, out.stderr))
    return time.time() - t0


def scale_up(run, rt, queued):
    """A subworker started into a backlog of `queued` tasks: seconds from its process start to its first task done."""
    burndown = run.burndown
    c = run.Cluster(0, tasks_hint=queued, java=rt["java"], jar=rt["jar"], role_flags=rt["roles"], settle=0)
    try:
        for sent in range(0, queued, 1000):
            status, _ = burndown.http("POST", c.url + "/tasks/batch", [{"task": "noop"}] * min(1000, queued - sent))
            assert status == 202, status
        t0 = time.time()
        c._start("subworker-0", ["--role", "subworker", "--control-plane-address", c.addresses, "--worker-id",
                                 "scale-up", "--concurrency", "8"], burndown.free_port(),
                 dict(os.environ, **run.JVM_ENV), ready=False)
        while burndown.completed(c.http_port) < 1:
            if time.time() - t0 > 60:
                raise SystemExit("%s: the new subworker took no task within 60 s" % rt["name"])
            time.sleep(0.01)
        return time.time() - t0
    finally:
        c.close()


def spread(values, fmt):
    return "%s (%s-%s)" % (fmt % statistics.median(values), fmt % min(values), fmt % max(values))


def main(run, root, tasks, rounds):
    if not os.path.exists(os.path.join(JAVA_25_HOME, "bin", "java")):
        raise SystemExit("the cold scenario needs Temurin 25 at " + JAVA_25_HOME)
    work = tempfile.mkdtemp(prefix="fastworker-cold-")
    try:
        rts, fast, app = runtimes(root, work)
        figures = {rt["name"]: [] for rt in rts}
        for _ in range(rounds):
            for rt in rts:  # interleaved: each round runs every runtime once, in turn
                f = one(run, rt, tasks)
                f["scaleUp"] = scale_up(run, rt, tasks)
                figures[rt["name"]].append(f)
        print()
        print("cold: fresh JVMs, %d round(s), median (min-max); first %d noop tasks through 2 subworkers" % (rounds,
                                                                                                          tasks))
        print("%-34s %16s %16s %16s %16s %20s %18s %16s %18s" % ("runtime", "ready s", "joined s", "CLI first s",
                                                                    "CLI submit s", "first tasks/s",
                                                                    "subworker CPU us", "RSS MB cp/sub", "scale-up s"))
        for rt in rts:
            f = figures[rt["name"]]
            print("%-34s %16s %16s %16s %16s %20s %18s %16s %18s" % (
                rt["name"], spread([x["ready"] for x in f], "%.2f"), spread([x["joined"] for x in f], "%.2f"),
                spread([x["cliFirst"] for x in f], "%.2f"), spread([x["cli"] for x in f], "%.2f"),
                spread([x["rate"] for x in f], "%.0f"),
                spread([x["subworkerCpuMicros"] for x in f], "%.0f"),
                "%.0f / %.0f" % (statistics.median([x["rssControlPlane"] for x in f]),
                                 statistics.median([x["rssSubworker"] for x in f])),
                spread([x["scaleUp"] for x in f], "%.2f")))
        print("CLI first: a CLI submit (it waits for the result) as the first request the fresh control plane and "
              "subworkers serve; CLI submit: the next one, its own start; subworker CPU us: CPU time of both "
              "subworkers per task during the burn-down; RSS: resident 1 s after start; scale-up: a subworker "
              "started into %d queued tasks, from its start to its first task done" % tasks)
        return figures
    finally:
        # Leave the default packaging where the README's commands expect it.
        shutil.rmtree(app, ignore_errors=True)
        if os.path.exists(os.path.join(work, "quarkus-app")):
            shutil.copytree(os.path.join(work, "quarkus-app"), app)
        shutil.rmtree(work, ignore_errors=True)
