"""Drives a real control plane through the Python client OpenAPI Generator made from docs/openapi.yaml.

Usage: check_client.py URL TOKEN  (the generated package, fastworker_client, on PYTHONPATH)

Prints one JSON object of what it saw; GeneratedClientsIT asserts on it. Nothing here is checked by hand-written
HTTP: every call goes through the generated API classes and models.
"""
import json
import sys

import fastworker_client
from fastworker_client.api.dead_letters_api import DeadLettersApi
from fastworker_client.api.tasks_api import TasksApi
from fastworker_client.models.problem import Problem
from fastworker_client.models.submission import Submission

url, token = sys.argv[1], sys.argv[2]
seen = {}


def client(access_token):
    config = fastworker_client.Configuration(host=url, access_token=access_token)
    return fastworker_client.ApiClient(config)


def problem_of(call):
    """The problem document of a call that must fail, parsed by the generated model."""
    try:
        call()
    except fastworker_client.ApiException as e:
        p = Problem.from_json(e.body)
        return {"httpStatus": e.status, "type": p.type, "title": p.title, "status": p.status, "detail": p.detail}
    raise AssertionError("the call succeeded")


with client(token) as api:
    tasks = TasksApi(api)

    # Submit, then wait for the result.
    accepted = tasks.submit_task(Submission(task="add", args=[5, 3]))
    done = tasks.get_task(accepted.id, wait="10s")
    seen["submitted"] = {"id": accepted.id, "status": accepted.status}
    seen["finished"] = {"id": done.id, "status": done.status, "result": done.result, "attempts": done.attempts}

    # A bad request: a task nobody registered.
    seen["unknownTask"] = problem_of(lambda: tasks.submit_task(Submission(task="no_such_task")))

    # A task that fails with no retries left ends in the dead letters.
    failing = tasks.submit_task(Submission(task="fail", args=["from the generated Python client"], max_retries=0))
    failed = tasks.get_task(failing.id, wait="10s")
    letters = DeadLettersApi(api).list_dead_letters(task="fail")
    seen["failed"] = {"id": failing.id, "status": failed.status, "error": failed.error.message}
    seen["deadLetters"] = {"total": letters.total, "ids": [t.id for t in letters.items]}

with client(None) as anonymous:
    seen["noKey"] = problem_of(lambda: TasksApi(anonymous).get_task(accepted.id))

print(json.dumps(seen, default=str))
