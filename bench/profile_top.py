#!/usr/bin/env python3
"""Summarises an async-profiler collapsed-stack file (as `bench/burndown.py --async-profiler` writes): CPU by thread,
the hottest methods (self), and the hottest frames inclusive, optionally only those matching a prefix.

    python3 bench/profile_top.py DIR/control-plane.collapsed [N] [prefix]
"""
import collections
import re
import sys


def main():
    path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    prefix = sys.argv[3] if len(sys.argv) > 3 else "io/fastworker"
    threads, self_time, inclusive = collections.Counter(), collections.Counter(), collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            count = int(count)
            frames = stack.split(";")
            total += count
            if frames[0].startswith("["):
                threads[re.sub(r"[-#]?\d+$", "", re.sub(r" tid=\d+", "", frames[0].strip("[]")))] += count
                frames = frames[1:]
            if not frames:
                continue
            self_time[frames[-1]] += count
            for fr in set(frames):
                inclusive[fr] += count
    print("%s: %d samples" % (path, total))
    for title, counter, keep in (("threads", threads, lambda k: True), ("self", self_time, lambda k: True),
                                 ("inclusive (%s)" % prefix, inclusive, lambda k: k.startswith(prefix))):
        print("-- " + title)
        for k, v in [(k, v) for k, v in counter.most_common() if keep(k)][:n]:
            print("  %5.1f%%  %s" % (100.0 * v / total, k))


if __name__ == "__main__":
    main()
