from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.api import Team, make_team
from tests.instances import run_instance


@pytest.fixture
async def team(tmp_path: Path) -> AsyncIterator[Team]:
    async with run_instance(tmp_path) as kinhaven:
        yield await make_team(kinhaven)
