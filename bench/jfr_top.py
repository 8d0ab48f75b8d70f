#!/usr/bin/env python3
"""Summarises a JFR recording's CPU samples: the hottest methods (self time) and the hottest FastWorker frames
(inclusive). Usage: python3 bench/jfr_top.py recording.jfr [N]"""
import collections
import json
import subprocess
import sys


def main():
    path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25
    out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    self_time, inclusive, threads = collections.Counter(), collections.Counter(), collections.Counter()
    for e in events:
        frames = e["values"]["stackTrace"]["frames"]
        if not frames:
            continue
        name = lambda f: f["method"]["type"]["name"] + "." + f["method"]["name"]
        self_time[name(frames[0])] += 1
        seen = set()
        for f in frames:
            m = name(f)
            if m.startswith("io.fastworker") and m not in seen:
                seen.add(m)
                inclusive[m] += 1
        threads[e["values"]["sampledThread"]["javaName"].rstrip("0123456789-")] += 1
    total = len(events)
    print("%s: %d samples" % (path, total))
    print("-- threads")
    for t, c in threads.most_common(8):
        print("%6.1f%%  %s" % (100.0 * c / total, t))
    print("-- self")
    for m, c in self_time.most_common(n):
        print("%6.1f%%  %s" % (100.0 * c / total, m))
    print("-- FastWorker frames, inclusive")
    for m, c in inclusive.most_common(n):
        print("%6.1f%%  %s" % (100.0 * c / total, m))


if __name__ == "__main__":
    main()
