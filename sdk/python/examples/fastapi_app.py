"""A FastAPI application that hands work to FastWorker, in the original FastWorker's pattern.

    FASTWORKER_URL=http://127.0.0.1:8080 uvicorn fastapi_app:app
with a subworker of mytasks.py running (fastworker subworker --task-modules mytasks ...).
"""
from fastapi import FastAPI

from fastworker.integration.fastapi import FastWorker
from fastworker.tasks.models import TaskPriority

app = FastAPI(title="FastWorker FastAPI example")
fw = FastWorker(app)  # the control plane's URL from FASTWORKER_URL


@app.post("/sums/")
async def start_sum(x: int, y: int):
    """Starts add(x, y) and answers with its id at once."""
    return {"task_id": await fw.delay("add", x, y, priority=TaskPriority.HIGH)}


@app.get("/sums/{task_id}")
async def read_sum(task_id: str):
    result = await fw.get_task_result(task_id, wait=10)
    if result is None:
        return {"error": "no such task"}
    return {"status": result.status, "result": result.result}


@app.post("/products/")
async def multiply_now(x: int, y: int):
    """Runs multiply(x, y) and waits for its result."""
    result = await fw.submit_task("multiply", args=(x, y))
    return {"status": result.status, "result": result.result}


@app.get("/health")
async def health():
    return {"workers": fw.worker_count}
