#!/usr/bin/env python3
"""Summarises an async-profiler collapsed-stack file (as `bench/burndown.py --async-profiler` writes): CPU by thread,
the hottest methods (self), and the hottest frames inclusive, optionally only those matching a prefix.

    python3 bench/profile_top.py DIR/control-plane.collapsed [N] [prefix]
    python3 bench/profile_top.py --categories DIR/control-plane.collapsed   # by kind of work, as jfr_categories.py
"""
import argparse
import collections
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def categories(path):
    """Each sample charged to the first category found walking its stack from the leaf (the categories of
    jfr_categories.py), with the JVM's own threads (JIT compilers, GC) shown apart."""
    from jfr_categories import CATEGORIES
    counts, total = collections.Counter(), 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            count = int(count)
            total += count
            frames = stack.split(";")
            thread = frames[0].strip("[]") if frames[0].startswith("[") else ""
            if thread.startswith(("C1 Compiler", "C2 Compiler")):
                counts["JIT compiler threads"] += count
                continue
            if thread.startswith(("GC Thread", "G1 ", "VM Thread")):
                counts["GC and VM threads"] += count
                continue
            category = "other (JDK collections, strings, ...)"
            for frame in reversed(frames[1:] if thread else frames):
                hit = next((name for name, keys in CATEGORIES if any(k in frame for k in keys)), None)
                if hit:
                    category = hit
                    break
            counts[category] += count
    print("%s: %d samples" % (path, total))
    for name, c in counts.most_common():
        print("  %5.1f%%  %s" % (100.0 * c / total, name))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--categories", action="store_true", help="CPU by kind of work instead of by method")
    ap.add_argument("path", help="a collapsed-stack file")
    ap.add_argument("n", nargs="?", type=int, default=30, help="lines per list (default 30)")
    ap.add_argument("prefix", nargs="?", default="io/fastworker", help="frames listed inclusive (default io/fastworker)")
    a = ap.parse_args()
    if a.categories:
        return categories(a.path)
    path, n, prefix = a.path, a.n, a.prefix
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
