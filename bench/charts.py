#!/usr/bin/env python3
"""Draws the charts of BENCHMARKS.md from a bench/run results file (Debian's python3-matplotlib):

    python3 bench/charts.py bench/results/latest.json [OUT_DIR]     # default OUT_DIR: docs/bench

throughput.png: tasks per second by scenario, FastWorker beside Celery+Redis and JobRunr;
latency-cdf.png: submit->start latency at a steady 1,000 tasks/s, FastWorker beside Celery+Redis.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FW, CELERY, JOBRUNR = "#1f77b4", "#d62728", "#2ca02c"


def throughput(r, out):
    peers = r.get("peers", {})
    groups = [("burn-down\n100k noop, completion", [
        ("FastWorker (warm)", r["burndown"]["warm"]["completionRate"], FW),
        ("FastWorker (fresh JVMs)", r["burndown"]["cold"]["completionRate"], "#6baed6"),
        ("Celery+Redis", peers.get("celery", {}).get("burndown", {}).get("completionRate"), CELERY),
        ("JobRunr (in-memory)", peers.get("jobrunr", {}).get("burndown", {}).get("completionRate"), JOBRUNR)]),
        ("one task per request\nsubmissions", [
            ("FastWorker, wrk", r.get("wrk", {}).get("control plane runs them", {}).get("rate"), FW),
            ("FastWorker, Java client", r["javaClient"]["submitRate"], "#6baed6"),
            ("Celery+Redis, apply_async", peers.get("celery", {}).get("burndown", {}).get("submitRate"), CELERY)]),
        ("batch submissions", [
            ("FastWorker, POST /tasks/batch", r["burndown"]["warm"]["submitRate"], FW),
            ("JobRunr, enqueue of a stream", peers.get("jobrunr", {}).get("burndown", {}).get("enqueueRate"),
             JOBRUNR)])]
    fig, ax = plt.subplots(figsize=(10, 5.5))
    x = 0
    ticks, labels = [], []
    for title, bars in groups:
        bars = [b for b in bars if b[1]]
        start = x
        for name, value, color in bars:
            ax.bar(x, value, color=color, width=0.8)
            ax.text(x, value * 1.05, "%s\n%s" % (f"{value:,.0f}", name), ha="center", va="bottom", fontsize=7)
            x += 1
        ticks.append((start + x - 1) / 2)
        labels.append(title)
        x += 1
    ax.set_yscale("log")
    ax.set_ylim(100, max(ax.get_ylim()[1], 1) * 4)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.set_ylabel("tasks per second (log scale)")
    ax.set_title("Throughput on %s" % r["machine"], fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "throughput.png"), dpi=110)


def latency_cdf(r, out):
    fig, ax = plt.subplots(figsize=(8, 5))
    series = [("FastWorker, steady 1,000/s", r["steady"]["1000"].get("startSamplesMs"), FW),
              ("FastWorker, steady 5,000/s", r["steady"].get("5000", {}).get("startSamplesMs"), "#6baed6"),
              ("Celery+Redis, steady 1,000/s",
               r.get("peers", {}).get("celery", {}).get("steady", {}).get("startSamplesMs"), CELERY)]
    for name, samples, color in series:
        if not samples:
            continue
        n = len(samples)
        ys = [(i + 1) / n for i in range(n)]
        ax.plot([max(s, 0.01) for s in samples], ys, label="%s (p50 %.2f ms, p99 %.2f ms)"
                % (name, samples[n // 2], samples[min(n - 1, int(0.99 * n))]), color=color)
    ax.set_xscale("log")
    ax.set_xlabel("submit -> start, ms (log scale)")
    ax.set_ylabel("fraction of tasks")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Latency at steady load, %s" % r["machine"], fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "latency-cdf.png"), dpi=110)


def main():
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                                              "docs", "bench")
    os.makedirs(out, exist_ok=True)
    with open(path) as f:
        r = json.load(f)
    throughput(r, out)
    latency_cdf(r, out)
    print("charts written to " + os.path.normpath(out))


if __name__ == "__main__":
    main()
