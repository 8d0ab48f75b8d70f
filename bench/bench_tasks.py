"""The noop task for the SDK scenario's Python subworkers (bench/run --sdks)."""
from fastworker import task


@task
def noop():
    return None
