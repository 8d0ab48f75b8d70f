"""Tasks for the SDK's tests: what users write, plus bodies that record what happened to them in files."""
import asyncio
import logging
import os
import time
from pathlib import Path

from fastworker import Cancelled, NonRetryable, TaskTimeout, cancelled, current_task, progress, task


@task(name="py_echo")
def echo(value):
    return value


@task
def py_noop():
    return None


@task(timeout=0.5)
def py_sleep(seconds):
    time.sleep(seconds)
    return seconds


@task
def py_nap(seconds):
    time.sleep(seconds)
    return current_task().attempt


@task(timeout=0.5)
def py_spin(marker):
    """Busy in Python code until stopped: it is interrupted at its timeout, and says so in ``marker``."""
    try:
        while True:
            pass
    except TaskTimeout:
        Path(marker).write_text("stopped at its timeout")
        raise


@task(timeout=0.5)
async def py_async_sleep(seconds, marker):
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        Path(marker).write_text("cancelled at its timeout")
        raise
    return seconds


@task
def py_steps(steps, step_seconds):
    for i in range(1, steps + 1):
        if cancelled():
            raise Cancelled("stopped at step %d of %d" % (i, steps))
        time.sleep(step_seconds)
        progress(i / steps, "step %d of %d" % (i, steps))
    return steps


@task(max_retries=3, retry_delay=0.05)
def py_flaky(counter, failures):
    """Fails its first ``failures`` runs (counted in the file ``counter``), then returns the run's number."""
    path = Path(counter)
    runs = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(runs))
    if runs <= failures:
        raise RuntimeError("run %d fails on purpose" % runs)
    return runs


@task(max_retries=3)
def py_final(reason):
    raise NonRetryable(reason)


@task
def py_pid():
    return os.getpid()


@task
def py_unwritable():
    return {1, 2}


@task
def py_logs(text):
    logging.getLogger("pytasks").warning("working on %s", text)
    raise RuntimeError("fails on purpose")


def _note(frame, what):
    with open(frame["args"][0], "a") as f:
        f.write("%s %s\n" % (what, frame["taskId"]))


@task(before=lambda frame: _note(frame, "before"), after=lambda frame: _note(frame, "after"))
def py_hooked(marker, fail):
    with open(marker, "a") as f:
        f.write("body\n")
    if fail:
        raise RuntimeError("the body failed")
    return "done"
