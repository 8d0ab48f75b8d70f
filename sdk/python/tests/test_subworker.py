"""The subworker's behaviour over the link: options, failures, timeouts, cancel, progress, concurrency, draining."""
import time

import pytest

from conftest import eventually, http, overlap


def test_announced_options_retry_and_non_retryable_failures(cp, client, subworkers, tmp_path):
    subworkers(cp, "py-options")
    flaky = client.submit("py_flaky", str(tmp_path / "runs"), 2, wait=30)
    assert flaky.status == "success" and flaky.result == 3
    assert flaky.task["attempts"] == 3 and flaky.task["maxAttempts"] == 4  # max_retries=3 from the decorator
    final = client.submit("py_final", "bad input", wait=30)
    assert final.status == "failure" and final.task["attempts"] == 1
    assert final.task["error"]["nonRetryable"] is True and final.error == "bad input"
    assert client.submit("py_echo", {"a": [1, 2.5, None, "é"]}).get() == {"a": [1, 2.5, None, "é"]}
    unwritable = client.submit("py_unwritable")
    assert unwritable.status == "failure" and unwritable.task["error"]["type"] == "bad_result"


def test_timeout_stops_the_body_and_frees_the_slot(cp, client, subworkers, tmp_path):
    subworkers(cp, "py-timeout", concurrency=1)
    started = time.monotonic()
    slept = client.submit("py_sleep", 30, wait=20)
    assert slept.status == "failure" and slept.task["error"]["type"] == "timeout", slept.task
    # The body still sleeps (time.sleep cannot be interrupted), but its slot was given back: the next task runs now.
    assert client.submit("py_echo", "next", wait=10).get() == "next"
    assert time.monotonic() - started < 10
    marker = tmp_path / "spin"
    spun = client.submit("py_spin", str(marker), wait=20)
    assert spun.task["error"]["type"] == "timeout"
    eventually(lambda: marker.exists(), 10, "the spinning body stopping")
    marker = tmp_path / "async"
    awaited = client.submit("py_async_sleep", 30, str(marker), wait=20)
    assert awaited.task["error"]["type"] == "timeout"
    eventually(lambda: marker.exists(), 10, "the async body being cancelled")
    # A submission's own timeout wins over the decorator's; 1 ns and 10^6 hours are refused, naming the bounds.
    for absurd, bound in (("PT0.000000001S", "at least"), ("PT1000000H", "at most")):
        status, problem = http("POST", cp.url + "/tasks", {"task": "py_sleep", "args": [0], "timeout": absurd})
        assert status == 400 and "timeout" in problem["detail"] and bound in problem["detail"], problem
    assert client.submit("py_sleep", 0.7, options={"timeout": "PT5S"}, wait=20).get() == 0.7


def test_cancel_a_running_task_and_see_its_progress(cp, client, subworkers):
    subworkers(cp, "py-cancel")
    task_id = client.delay("py_steps", 400, 0.05)
    progress = eventually(lambda: (cp.task(task_id).get("progress") or {}).get("fraction"), 20, "a progress report")
    assert 0 < progress < 1
    assert cp.task(task_id)["progress"]["message"].startswith("step ")
    assert client.cancel(task_id) is True
    ended = client.result(task_id, wait=20)
    assert ended.status == "cancelled", ended.task
    assert client.cancel(task_id) is False  # already ended
    assert client.submit("py_steps", 3, 0.01).get() == 3  # the subworker carries on


@pytest.mark.parametrize("concurrency", [1, 16])
def test_concurrency_is_what_the_subworker_says(cp, client, subworkers, concurrency):
    subworkers(cp, "py-concurrency", concurrency=concurrency)
    ids = client.submit_batch([{"task_name": "py_nap", "args": [0.3]} for _ in range(2 * concurrency)])
    tasks = [client.result(i, wait=60).task for i in ids]
    assert all(t["status"] == "success" for t in tasks), tasks
    assert overlap(tasks) == concurrency


def test_sigterm_drains_running_tasks_then_leaves(cp, client, subworkers):
    worker = subworkers(cp, "py-drain", concurrency=2)
    running = [client.delay("py_nap", 1.5) for _ in range(2)]
    eventually(lambda: all(cp.task(i)["status"] == "running" for i in running), 10, "both tasks running")
    assert worker.terminate() == 0
    for task_id in running:
        assert client.result(task_id).status == "success"
    status, gone = http("GET", cp.url + "/workers/gone")
    mine = [g for g in gone if g["id"] == worker.worker_id]
    assert mine and mine[0]["state"] == "left", mine


def test_a_bad_declaration_is_refused_with_the_control_planes_reason(cp, subworkers, tmp_path):
    module = tmp_path / "badtasks.py"
    module.write_text("from fastworker import task\n\n@task(max_retries=100000)\ndef py_bad():\n    pass\n")
    worker = subworkers(cp, "py-bad", modules=("badtasks",), paths=(tmp_path,), wait=False)
    assert worker.process.wait(30) == 2
    assert "maxRetries" in worker.log(), worker.log()


def test_before_and_after_hooks_run_around_the_body(cp, client, subworkers, tmp_path):
    subworkers(cp, "py-hooks")
    marker = tmp_path / "hooks"
    ok = client.submit("py_hooked", str(marker), False)
    assert ok.result == "done"
    assert marker.read_text().splitlines() == ["before " + ok.task_id, "body", "after " + ok.task_id]
    marker.unlink()
    failed = client.submit("py_hooked", str(marker), True)
    assert failed.status == "failure" and failed.error == "the body failed"
    assert marker.read_text().splitlines() == ["before " + failed.task_id, "body"], "after runs on success only"
