#!/usr/bin/env python3
"""Where a JFR recording's CPU samples go, by kind of work: each sample is charged to the first category found
walking its stack from the leaf. Usage: python3 bench/jfr_categories.py recording.jfr"""
import collections
import json
import subprocess
import sys

CATEGORIES = [
    ("JSON encode/decode (Jackson, Vert.x JsonObject)", ("jackson", "io/vertx/core/json", "JsonCodec")),
    ("regular expressions (id and address checks)", ("java/util/regex",)),
    ("metrics (Micrometer, Prometheus scrape)", ("micrometer", "io/prometheus")),
    ("logging", ("org/jboss/logmanager", "org/jboss/logging")),
    ("TCP event-bus bridge and link relay", ("eventbus/bridge", "io/fastworker/link/FrameReader", "io/fastworker/link/LinkServer")),
    ("event bus", ("io/vertx/core/eventbus",)),
    ("HTTP API (Quarkus REST)", ("resteasy", "io/quarkus/vertx/http", "io/vertx/core/http", "io/fastworker/api")),
    ("task engine and dispatch (queue, records, results)", ("io/fastworker/engine", "io/fastworker/queue", "io/fastworker/result", "io/fastworker/link/RemoteWorkers")),
    ("task execution (subworker, registry)", ("io/fastworker/worker", "io/fastworker/task")),
    ("socket I/O and event loop (Netty)", ("io/netty", "sun/nio", "io/vertx/core/net")),
    ("threads, locks, futures", ("java/util/concurrent", "java/lang/Thread", "jdk/internal/misc")),
]


def main():
    out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ExecutionSample", sys.argv[1]],
                         capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    counts = collections.Counter()
    for e in events:
        frames = [f["method"]["type"]["name"] + "." + f["method"]["name"] for f in e["values"]["stackTrace"]["frames"]]
        category = "other (JDK collections, strings, GC barriers...)"
        for frame in frames:
            hit = next((name for name, keys in CATEGORIES if any(k in frame for k in keys)), None)
            if hit:
                category = hit
                break
        counts[category] += 1
    print("%s: %d samples" % (sys.argv[1], len(events)))
    for name, c in counts.most_common():
        print("  %5.1f%%  %s" % (100.0 * c / len(events), name))


if __name__ == "__main__":
    main()
