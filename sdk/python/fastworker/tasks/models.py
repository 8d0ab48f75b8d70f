"""The original FastWorker's enums, so that modules written for it import unchanged."""
from enum import Enum


class TaskPriority(str, Enum):
    """A task's priority; the control plane runs critical before high before normal before low."""

    CRITICAL = "critical"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class TaskStatus(str, Enum):
    """Where a task is. ``PENDING`` and ``ASSIGNED`` are the original's and never shown by this control plane."""

    PENDING = "pending"
    QUEUED = "queued"
    SCHEDULED = "scheduled"
    ASSIGNED = "assigned"
    RUNNING = "running"
    RETRYING = "retrying"
    CANCELLING = "cancelling"
    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
