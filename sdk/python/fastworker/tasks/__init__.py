"""Task declarations, where the original FastWorker keeps them (``from fastworker.tasks.registry import task``)."""
from .models import TaskPriority, TaskStatus
from .registry import TaskDef, TaskDefinitionError, task

__all__ = ["task", "TaskDef", "TaskDefinitionError", "TaskPriority", "TaskStatus"]
