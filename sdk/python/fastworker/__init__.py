"""FastWorker for Java's Python SDK.

Declare tasks as the original FastWorker does and run them as a subworker of a FastWorker control plane::

    from fastworker import task

    @task
    def add(x, y):
        return x + y

    $ fastworker subworker --task-modules mytasks --control-plane-address tcp://127.0.0.1:5555 --concurrency 4

and submit from anywhere with :class:`Client` (or :class:`AsyncClient`)::

    from fastworker import Client
    print(Client("http://127.0.0.1:8080").submit("add", 1, 2).get())   # 3
"""
from .client import AsyncClient, Client, ProblemError, TaskFailed, TaskResult
from .context import Cancelled, NonRetryable, TaskInfo, TaskTimeout, cancelled, current_task, progress
from .tasks import TaskDefinitionError, TaskPriority, TaskStatus, task
from .subworker import JoinRefused, Subworker

Worker = Subworker  # the original FastWorker's name, for modules that import it

__version__ = "0.1.0"
__all__ = ["task", "TaskPriority", "TaskStatus", "Client", "AsyncClient", "ProblemError", "TaskFailed", "TaskResult", "Subworker", "JoinRefused",
           "NonRetryable", "Cancelled", "TaskTimeout", "TaskInfo", "TaskDefinitionError", "progress", "cancelled",
           "current_task"]
