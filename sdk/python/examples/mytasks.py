"""Tasks written for the original FastWorker, in its style: they run unchanged as a subworker of FastWorker for Java.

    fastworker subworker --task-modules mytasks --control-plane-address tcp://127.0.0.1:5555 --worker-id py-1
"""
import asyncio
import time

from fastworker.tasks.registry import task


@task
def add(x: int, y: int) -> int:
    """Adds two numbers."""
    return x + y


@task
def multiply(x: int, y: int) -> int:
    """Multiplies two numbers."""
    return x * y


@task
async def async_add(x: int, y: int) -> int:
    """Adds two numbers after an await."""
    await asyncio.sleep(0.1)
    return x + y


@task
def slow_task(seconds: float) -> str:
    """Sleeps, then says how long."""
    time.sleep(seconds)
    return f"Slept for {seconds} seconds"


@task
def divide(x: int, y: int) -> float:
    """Divides; fails on a zero divisor."""
    if y == 0:
        raise ValueError("Cannot divide by zero")
    return x / y
