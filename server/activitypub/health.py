"""Which remote hosts are unreachable: failures on 7 distinct UTC days mark a host
unavailable (Mastodon's rule), and it stays so until a delivery to it succeeds or it
sends us a validly signed request. Kept in memory, mirrored in storage for restarts."""

from __future__ import annotations

import logging
from datetime import date

from federation.retry import is_unavailable
from server.storage import deliveries as delivery_store
from server.storage.database import Database

logger = logging.getLogger(__name__)


class HostHealth:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._failure_days: dict[str, set[str]] = {}

    async def load(self) -> None:
        self._failure_days = await delivery_store.failure_days_by_host(self._db)

    def unavailable(self, host: str) -> bool:
        days = self._failure_days.get(host)
        return days is not None and is_unavailable({date.fromisoformat(d) for d in days})

    async def failed(self, host: str, day: date) -> None:
        was = self.unavailable(host)
        self._failure_days[host] = await delivery_store.record_host_failure(
            self._db, host, day.isoformat())
        if not was and self.unavailable(host):
            dropped = await delivery_store.drop_jobs_for_host(self._db, host,
                                                              "the host is unavailable")
            logger.warning("%s failed on %s distinct days: marked unavailable, %s queued "
                           "deliveries dropped", host, len(self._failure_days[host]), dropped)

    async def answered(self, host: str) -> None:
        """The host is back: forget its failures (a write only when there were some)."""
        if host in self._failure_days:
            del self._failure_days[host]
            await delivery_store.clear_host_failures(self._db, host)
