"""Losing a process: a killed subworker's tasks are delivered again; a restarted control plane loses nothing and the
subworker joins it again by itself."""
import signal
import time

from conftest import ControlPlane, PySubworker, eventually, http


def test_a_killed_subworkers_tasks_run_on_another(cp, client, subworkers):
    doomed = subworkers(cp, "py-doomed", concurrency=2)
    ids = [client.delay("py_nap", 2) for _ in range(2)]
    eventually(lambda: all(cp.task(i)["status"] == "running" for i in ids), 10, "both tasks running on it")
    doomed.process.send_signal(signal.SIGKILL)
    heir = subworkers(cp, "py-heir", concurrency=2)
    for task_id in ids:
        task = client.result(task_id, wait=30).task
        assert task["status"] == "success" and task["worker"] == heir.worker_id, task
        assert task["result"] == 2 and task["attempts"] == 2
        assert task["history"][0]["worker"] == doomed.worker_id


def test_a_restarted_control_plane_loses_nothing_and_the_subworker_rejoins(workdir):
    from fastworker import Client
    home = workdir / "restart"
    home.mkdir()
    plane = ControlPlane(home)
    worker = PySubworker(plane, "py-rejoin", concurrency=4)
    try:
        client = Client(plane.url)
        ids = client.submit_batch([{"task_name": "py_nap", "args": [0.05]} for _ in range(300)])
        eventually(lambda: http("GET", plane.url + "/tasks/" + ids[20])[1]["status"] == "success", 30,
                   "some tasks done")
        plane.kill()  # SIGKILL, with tasks queued and running
        time.sleep(0.5)
        plane.start()  # same ports, same store
        worker.await_active()
        ends = [client.result(i, wait=60) for i in ids]
        assert [e.status for e in ends] == ["success"] * len(ids), [e.task for e in ends if e.status != "success"]
        assert "joined" in worker.log() and worker.process.poll() is None
    finally:
        worker.kill()
        plane.stop()


def test_the_link_token_is_presented_and_a_wrong_one_stops_the_subworker(workdir):
    from fastworker import Client
    home = workdir / "token"
    home.mkdir()
    plane = ControlPlane(home, env={"FASTWORKER_LINK_TOKEN": "s3cret-token"})
    try:
        wrong = PySubworker(plane, "py-wrong-token", extra=("--token", "guess"), wait=False)
        assert wrong.process.wait(30) == 2, wrong.log()
        assert "401" in wrong.log() and "s3cret-token" not in wrong.log()
        right = PySubworker(plane, "py-right-token", env={"FASTWORKER_LINK_TOKEN": "s3cret-token"})
        try:
            assert Client(plane.url).submit("add", 1, 2).get() == 3
            assert "s3cret-token" not in right.log()
        finally:
            right.kill()
    finally:
        plane.stop()
