from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.instances import RunningInstance, run_instance


@pytest.fixture
async def kinhaven(tmp_path: Path) -> AsyncIterator[RunningInstance]:
    """One running instance with its own database file."""
    async with run_instance(tmp_path) as running:
        yield running
