"""The original FastWorker's example tasks (examples/mytasks.py, written as its README writes them) run unchanged."""
import pytest

from fastworker import ProblemError


def test_sync_async_and_failing_tasks_run_as_written(cp, client, subworkers):
    worker = subworkers(cp, "py-examples", concurrency=2)
    assert client.submit("add", 2, 3).get() == 5
    assert client.submit("multiply", 6, 7).get() == 42
    assert client.submit("async_add", 2, 3, wait=30).get() == 5
    assert client.submit("slow_task", 0.2, wait=30).get() == "Slept for 0.2 seconds"
    failed = client.submit("divide", 1, 0)
    assert failed.status == "failure"
    assert failed.error == "Cannot divide by zero"
    assert failed.task["error"]["type"] == "task_error"
    assert failed.task["worker"] == worker.worker_id


def test_arguments_that_cannot_bind_are_refused_at_submission(cp, client, subworkers):
    subworkers(cp, "py-params")
    with pytest.raises(ProblemError) as refused:
        client.delay("add", 1)
    assert refused.value.status == 400
    assert "y" in refused.value.detail and "(x, y)" in refused.value.detail
    with pytest.raises(ProblemError) as unknown:
        client.submit("add", 1, 2, z=3)
    assert unknown.value.status == 400 and "z" in unknown.value.detail
