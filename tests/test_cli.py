"""The `kinhaven` command as an admin runs it: a real process, a real database file."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.instances import free_port
from tests.mastodon_rules import resolve_like_mastodon

KINHAVEN = shutil.which("kinhaven") or str(Path(sys.executable).parent / "kinhaven")


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        **os.environ,
        "KINHAVEN_DATABASE": str(tmp_path / "db.sqlite3"),
        "KINHAVEN_SCHEME": "http",
        **env,
    }
    return subprocess.run(
        [KINHAVEN, *args], capture_output=True, text=True, env=environ, timeout=60, check=False
    )


def test_init_is_safe_to_repeat(tmp_path: Path) -> None:
    first = run(tmp_path, "init")
    assert first.returncode == 0, first.stderr
    assert "no admin yet" in first.stdout
    second = run(tmp_path, "init")
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "db.sqlite3").exists()


def test_user_create_then_token(tmp_path: Path) -> None:
    created = run(tmp_path, "user", "create", "alice", "--password", "a long password",
                  "--role", "admin", "--email", "alice@example.org")
    assert created.returncode == 0, created.stderr
    assert "created admin @alice@127.0.0.1:8000" in created.stdout
    token = run(tmp_path, "token", "create", "alice", "--scopes", "read write:statuses")
    assert token.returncode == 0, token.stderr
    assert len(token.stdout.strip()) >= 40
    assert "no admin yet" not in run(tmp_path, "init").stdout


@pytest.mark.parametrize(
    "args",
    [
        ("user", "create", "bad name!", "--password", "a long password"),
        ("user", "create", "bob", "--password", "short"),
        ("user", "create", "bob", "--password", "a long password", "--email", "nope"),
        ("token", "create", "nobody"),
    ],
)
def test_failures_exit_1_with_one_line(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 1
    assert result.stderr.startswith("kinhaven: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_taken_username_and_bad_scopes(tmp_path: Path) -> None:
    assert run(tmp_path, "user", "create", "bob", "--password", "a long password").returncode == 0
    again = run(tmp_path, "user", "create", "BOB", "--password", "a long password")
    assert again.returncode == 1
    assert "taken" in again.stderr
    scopes = run(tmp_path, "token", "create", "bob", "--scopes", "read everything")
    assert scopes.returncode == 1
    assert "everything" in scopes.stderr


@pytest.mark.parametrize(
    "args",
    [(), ("frobnicate",), ("user",), ("user", "create"), ("serve", "--port", "x"),
     ("user", "create", "a", "--password", "a long password", "--role", "king")],
)
def test_usage_errors_exit_2(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.strip()


def test_bad_configuration_exits_1(tmp_path: Path) -> None:
    result = run(tmp_path, "init", KINHAVEN_FEDERATION_MODE="sometimes")
    assert result.returncode == 1
    assert "KINHAVEN_FEDERATION_MODE" in result.stderr


async def test_serve_answers_mastodon_over_http(tmp_path: Path) -> None:
    port = free_port()
    domain = f"127.0.0.1:{port}"
    assert run(tmp_path, "user", "create", "alice", "--password", "a long password",
               KINHAVEN_DOMAIN=domain).returncode == 0
    environ = {**os.environ, "KINHAVEN_DATABASE": str(tmp_path / "db.sqlite3"),
               "KINHAVEN_SCHEME": "http", "KINHAVEN_DOMAIN": domain}
    process = subprocess.Popen(
        [KINHAVEN, "serve", "--port", str(port)], env=environ,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://{domain}", timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    await client.get("/")
                    break
                except httpx.TransportError:
                    assert process.poll() is None, "server exited early"
                    assert time.monotonic() < deadline, "server did not start"
            document = await resolve_like_mastodon(client, f"alice@{domain}")
            assert document["id"] == f"http://{domain}/users/alice"
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=15)
    assert "no admin yet" in errors
