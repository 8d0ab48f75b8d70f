"""FastAPI integration, as in the original FastWorker: ``FastWorker(app)`` gives routes an asyncio client.

    from fastapi import FastAPI
    from fastworker.integration.fastapi import FastWorker

    app = FastAPI()
    fw = FastWorker(app, client_kwargs={"url": "http://fastworker:8080"})

    @app.post("/send")
    async def send_email(to: str):
        return {"task_id": await fw.delay("send_email", to)}
"""
from contextlib import asynccontextmanager
from typing import Any, Optional

from ..client import AsyncClient


class FastWorker:
    """Attaches an :class:`AsyncClient` to a FastAPI application and passes its calls through (``delay``,
    ``submit``, ``submit_task``, ``submit_batch``, ``result``/``get_task_result``, ``cancel``/``cancel_task``).
    ``client_kwargs`` go to the client (``url``, ``token``, ``timeout``). The application's own lifespan keeps
    running; the client needs no start or stop of its own."""

    def __init__(self, app: Any, *, client_kwargs: Optional[dict] = None):
        self._app = app
        self.client = AsyncClient(**(client_kwargs or {}))
        existing = app.router.lifespan_context
        client = self.client

        @asynccontextmanager
        async def lifespan(application):
            async with existing(application) as state:
                await client.start()
                try:
                    yield state
                finally:
                    client.stop()

        app.router.lifespan_context = lifespan

    @property
    def worker_count(self) -> int:
        """How many workers take tasks now (the control plane while it runs tasks itself, and each joined
        subworker that is not draining), for a health check. It asks the control plane (one short request)."""
        return sum(1 for w in self.client.client.workers() if w.get("active"))

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.client, name)
