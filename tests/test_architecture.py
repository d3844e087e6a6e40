"""The dependency rules of ARCHITECTURE.md, checked by reading every import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "federation": {"server", "moderation", "starlette", "jinja2", "aiosqlite", "sqlite3"},
    "moderation": {"server", "federation", "starlette", "jinja2", "aiosqlite", "sqlite3", "httpx"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_protocol_and_policy_stay_independent(package: str) -> None:
    folder = ROOT / package
    if not folder.exists():
        pytest.skip(f"{package}/ does not exist yet")
    for path in folder.rglob("*.py"):
        bad = _imports(path) & FORBIDDEN[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_sql_lives_in_the_storage_layer() -> None:
    for path in (ROOT / "server").rglob("*.py"):
        if "storage" in path.relative_to(ROOT).parts:
            continue
        source = path.read_text("utf-8")
        for keyword in ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM"):
            assert keyword not in source, f"{path.relative_to(ROOT)} holds SQL ({keyword.strip()})"
