"""Group commit for the inbox: requests that arrive together are recorded in one
transaction, and each still gets its 202 only after that transaction commits."""

from __future__ import annotations

import asyncio

from server.storage import inbound as inbound_store
from server.storage.database import Database

MAX_BATCH = 256


class InboxRecorder:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[tuple[tuple[str, str, str], asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.recorded = 0
        """How many new activities have been recorded since start."""

    async def record(self, activity_uri: str, actor_uri: str, body: str) -> bool:
        """True if the activity is new; returns once it is durably stored."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append(((activity_uri, actor_uri, body), future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                fresh = await inbound_store.record_many(self._db, [row for row, _ in batch])
            except Exception as error:  # every waiting sender must hear of it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.recorded += sum(fresh)
            for (_, future), new in zip(batch, fresh, strict=True):
                if not future.done():
                    future.set_result(new)
