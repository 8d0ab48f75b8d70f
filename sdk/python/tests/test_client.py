"""The client: submitting, waiting, batches, idempotency keys, problem documents, cancel; sync and asyncio."""
import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from fastworker import AsyncClient, Client, ProblemError, TaskFailed
from fastworker.tasks.models import TaskPriority


def test_problem_documents_carry_what_the_control_plane_said(cp, client, subworkers):
    subworkers(cp, "py-client")
    with pytest.raises(ProblemError) as unknown:
        client.delay("no_such_task")
    problem = unknown.value
    assert problem.status == 400 and "no_such_task" in problem.detail
    assert "py_echo" in problem.problem["knownTasks"] and problem.type and problem.title
    with pytest.raises(ProblemError) as batch:
        client.submit_batch([{"task_name": "py_echo", "args": [1]}, {"task_name": "py_echo", "priority": "urgent"}])
    assert batch.value.status == 400 and batch.value.problem["index"] == 1
    assert client.result("never-submitted") is None
    assert client.cancel("never-submitted") is False
    with pytest.raises(TaskFailed) as failed:
        client.submit("divide", 1, 0).get()
    assert failed.value.result.error == "Cannot divide by zero"
    with pytest.raises(OSError):
        Client("http://127.0.0.1:1", timeout=2).delay("py_echo", 1)


def test_idempotency_keys_priorities_and_later_runs(cp, client, subworkers):
    subworkers(cp, "py-keys")
    first = client.delay("py_echo", "once", idempotency_key="order-42")
    assert client.delay("py_echo", "once", idempotency_key="order-42") == first
    with pytest.raises(ProblemError) as other:
        client.delay("py_echo", "other", idempotency_key="order-42")
    assert other.value.status == 422
    ids = client.submit_batch([{"task_name": "py_echo", "args": [1], "idempotency_key": "b-1"},
                               {"task_name": "py_echo", "args": [2], "priority": TaskPriority.HIGH}])
    assert [client.result(i, wait=10).result for i in ids] == [1, 2]
    assert client.result(ids[1]).task["priority"] == "high"
    later = client.delay("py_echo", "later", countdown=timedelta(seconds=0.5))
    assert client.result(later).status == "scheduled"
    assert client.result(later, wait=10).result == "later"
    at = client.delay("py_echo", "at", eta=datetime.now(timezone.utc) + timedelta(seconds=0.3))
    assert client.result(at, wait=10).result == "at"
    with pytest.raises(ValueError):
        client.delay("py_echo", 1, eta=datetime.now())  # naive: refused before it is sent
    assert client.submit_task("add", args=(1, 2)).result == 3  # the original's call


def test_async_client(cp, subworkers):
    subworkers(cp, "py-async")

    async def use():
        client = AsyncClient(cp.url)
        await client.start()
        task_id = await client.delay("async_add", 1, 2)
        done = await client.get_task_result(task_id, wait=10)
        together = await asyncio.gather(*(client.submit("add", i, i) for i in range(10)))
        client.stop()
        return done, [r.result for r in together]

    done, sums = asyncio.run(use())
    assert done.result == 3 and sums == [2 * i for i in range(10)]
