"""The Celery peer of the benchmark: a no-op task on a Redis broker and result backend (Debian's python3-celery
and redis-server). The task returns when its body started, so the harness can tell queueing from running."""
import os
import time

from celery import Celery

app = Celery("fastworker_peer", broker=os.environ["BENCH_REDIS_URL"], backend=os.environ["BENCH_REDIS_URL"])
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                worker_prefetch_multiplier=4, task_acks_late=False, broker_connection_retry_on_startup=True)


@app.task(name="noop")
def noop():
    return time.time()
