"""The FastAPI integration (examples/fastapi_app.py, the original's pattern) against a real control plane, through
FastAPI's own test client."""
import importlib
import os

import pytest

from conftest import SDK

EXAMPLES = SDK / "examples"


def fastapi_test_client():
    try:
        from fastapi.testclient import TestClient
        return TestClient
    except ImportError:
        if os.environ.get("FASTWORKER_REQUIRE_PYTHON_SDK"):
            raise
        pytest.skip("FastAPI (Debian: python3-fastapi, python3-httpx) is not installed")


def test_a_fastapi_app_hands_work_to_fastworker(cp, subworkers, monkeypatch):
    TestClient = fastapi_test_client()
    subworkers(cp, "py-fastapi", concurrency=2)
    monkeypatch.setenv("FASTWORKER_URL", cp.url)
    monkeypatch.syspath_prepend(str(EXAMPLES))
    example = importlib.import_module("fastapi_app")
    with TestClient(example.app) as web:  # runs the application's lifespan
        started = web.post("/sums/", params={"x": 20, "y": 22})
        assert started.status_code == 200, started.text
        task_id = started.json()["task_id"]
        assert web.get("/sums/" + task_id).json() == {"status": "success", "result": 42}
        assert cp.task(task_id)["priority"] == "high"
        assert web.post("/products/", params={"x": 6, "y": 7}).json() == {"status": "success", "result": 42}
        assert web.get("/health").json()["workers"] >= 1
