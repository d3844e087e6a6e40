"""Real Kinhaven instances for tests: uvicorn on a loopback port, a real SQLite file.

The server runs in the test's own event loop, so a test can start two instances
and talk to both over real HTTP without threads or sleeps.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette

from server.accounts import create_member
from server.api.rate_limits import MASTODON_LIMITS, ApiLimits
from server.app import create_app
from server.config import Settings
from server.instance import Instance
from server.serving import uvicorn_config
from server.storage.database import Database


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningInstance:
    settings: Settings
    app: Starlette
    base_url: str
    db: Database
    instance: Instance
    client: httpx.AsyncClient

    async def add_member(self, username: str, **options: object) -> int:
        return await create_member(
            self.db, self.settings, username=username, password="correct horse battery",
            **options,  # type: ignore[arg-type]
        )


@asynccontextmanager
async def run_instance(folder: Path, *, api_limits: ApiLimits = MASTODON_LIMITS,
                       **overrides: object) -> AsyncIterator[RunningInstance]:
    """An instance with `overrides` of its settings and the client API's rate limits
    `api_limits` (Mastodon's unless a test asks otherwise)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    settings = replace(
        Settings(
            domain=f"127.0.0.1:{port}",
            scheme="http",
            database=folder / f"kinhaven-{port}.sqlite3",
            insecure_federation=True,
        ),
        **overrides,  # type: ignore[arg-type]
    )
    app = create_app(settings, api_limits=api_limits)
    server = uvicorn.Server(uvicorn_config(app, port=port, log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            yield RunningInstance(
                settings=settings,
                app=app,
                base_url=base_url,
                db=app.state.db,
                instance=app.state.instance,
                client=client,
            )
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)
        sock.close()
