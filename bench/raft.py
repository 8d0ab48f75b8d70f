"""The Raft transport scenario of bench/run (`bench/run --raft`): scenario 7's cluster of three control planes on
each of Ratis' transports between members, interleaved round by round: Netty (the default without TLS), gRPC, and
gRPC with mutual TLS (`fastworker.cluster.tls.*`, the only transport that speaks TLS). For each: `wrk` POSTing single
tasks to the leader, which runs them itself (accepted/s and latency), and a burn-down of batches through 2
subworkers (completion/s)."""
import os
import statistics
import subprocess
import tempfile

TRANSPORTS = [
    {"name": "netty", "env": {"FASTWORKER_CLUSTER_TRANSPORT": "netty"}, "tls": False},
    {"name": "grpc", "env": {"FASTWORKER_CLUSTER_TRANSPORT": "grpc"}, "tls": False},
    {"name": "grpc, mutual TLS", "env": {}, "tls": True},
]


def certificates(directory, members):
    """A CA and one certificate per member (EC P-256, naming 127.0.0.1), made with openssl."""
    def openssl(*args):
        subprocess.run(["openssl"] + list(args), cwd=directory, check=True, capture_output=True)
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key")
    openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=bench-raft-ca", "-days", "2", "-out", "ca.crt")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    for i in range(members):
        name = "cp-%d" % i
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key")
        openssl("req", "-new", "-key", name + ".key", "-subj", "/CN=" + name, "-out", name + ".csr")
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", "san.ext", "-out", name + ".crt")

    def member(i):
        return {"FASTWORKER_CLUSTER_TLS_CERT": os.path.join(directory, "cp-%d.crt" % i),
                "FASTWORKER_CLUSTER_TLS_KEY": os.path.join(directory, "cp-%d.key" % i),
                "FASTWORKER_CLUSTER_TLS_CA": os.path.join(directory, "ca.crt")}
    return member


def one(run, transport, certs, tasks, warm, seconds):
    def member_env(i):
        env = dict(transport["env"])
        if transport["tls"]:
            env.update(certs(i))
        return env
    c = run.Cluster(0, local=True, tasks_hint=200000, members=3, member_env=member_env)
    try:
        run.wrk(c.url, warm)
        w = run.wrk(c.url, seconds)
    finally:
        c.close()
    c = run.Cluster(2, tasks_hint=tasks, members=3, member_env=member_env)
    try:
        run.light_burndown(c, tasks, sample=0)
        b = run.light_burndown(c, tasks, sample=0)
    finally:
        c.close()
    return {"wrk": w["rate"], "p50": w["latency"].get("50"), "p99": w["latency"].get("99"),
            "burndown": b["completionRate"]}


def spread(values, fmt):
    return "%s (%s-%s)" % (fmt % statistics.median(values), fmt % min(values), fmt % max(values))


def main(run, tasks, rounds, warm, seconds):
    directory = tempfile.mkdtemp(prefix="fastworker-bench-raft-")
    certs = certificates(directory, 3)
    figures = {t["name"]: [] for t in TRANSPORTS}
    for _ in range(rounds):
        for t in TRANSPORTS:  # interleaved: each round runs every transport once, in turn
            figures[t["name"]].append(one(run, t, certs, tasks, warm, seconds))
    print()
    print("raft: a cluster of 3 control planes on each transport between members; %d round(s), median (min-max)"
          % rounds)
    fmt = "%-20s %24s %18s %18s %24s"
    print(fmt % ("transport", "wrk accepted/s", "wrk p50", "wrk p99", "burn-down/s (%d tasks)" % tasks))
    for t in TRANSPORTS:
        f = figures[t["name"]]
        print(fmt % (t["name"], spread([x["wrk"] for x in f], "%.0f"), " ".join(x["p50"] or "-" for x in f),
                     " ".join(x["p99"] or "-" for x in f), spread([x["burndown"] for x in f], "%.0f")))
    print("wrk: %d s warm-up then %d s, 32 connections, the leader runs the tasks itself; burn-down: batches of "
          "1000 through 2 subworkers, the second of two runs" % (warm, seconds))
    return figures
