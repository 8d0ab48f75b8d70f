#!/usr/bin/env python3
"""A FastWorker subworker in Python, on the Python SDK (sdk/python; standard library only).

It runs from a checkout as it is (it finds the SDK beside it) or with the SDK installed. It announces three tasks with
their parameters and options: `py_reverse(text)` (returns the text reversed; anything but a text fails for good),
`py_sleep(ms)` (sleeps, returns ms) and `py_steps(steps, step_ms)` (sleeps step_ms per step, reports its progress after
each, and stops at the next step once its task is cancelled). It joins again with backoff whenever the link drops;
SIGTERM or Ctrl-C drains and stops it. For the frames themselves, see docs/PROTOCOL.md. Usage:
    python3 examples/python_subworker.py --address tcp://127.0.0.1:5555 --worker-id py1 [--token SECRET]
A TLS link (tls://host:port) checks the control plane's certificate against --trust (a CA file; else the system's
CAs) and its host name; for mutual TLS add --cert and --key (PEM), a certificate that names the worker id.
"""
import argparse
import logging
import os
import signal
import sys
import time

try:
    import fastworker
except ImportError:  # run from a checkout: the SDK's sources are beside this example
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sdk", "python"))
    import fastworker
from fastworker import Cancelled, NonRetryable, Subworker, cancelled, progress, task


@task(max_retries=2, retry_delay=0.5)
def py_reverse(text):
    if not isinstance(text, str):
        raise NonRetryable("text must be a string, got %s" % type(text).__name__)
    return text[::-1]


@task(timeout=60)
def py_sleep(ms):
    time.sleep(ms / 1000.0)
    return ms


@task
def py_steps(steps, step_ms):
    for i in range(1, steps + 1):
        time.sleep(step_ms / 1000.0)
        if cancelled():
            raise Cancelled("stopped at step %d of %d after its cancel" % (i, steps))
        progress(i / steps, "step %d of %d" % (i, steps))
    return steps


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", default="tcp://127.0.0.1:5555")
    parser.add_argument("--worker-id", default="py-%d" % os.getpid())
    parser.add_argument("--token")
    parser.add_argument("--trust", help="CA certificates (PEM) for a tls:// address; default: the system's")
    parser.add_argument("--cert", help="client certificate (PEM) for a mutual-TLS link")
    parser.add_argument("--key", help="private key (PEM) of --cert")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(name)s - %(levelname)s - %(message)s")
    worker = Subworker(args.address, args.worker_id, token=args.token, trust=args.trust, cert=args.cert,
                       key=args.key)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: worker.stop())
    return worker.run()


if __name__ == "__main__":
    sys.exit(main())
