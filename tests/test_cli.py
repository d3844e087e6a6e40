"""The `kinhaven` command as an admin runs it: a real process, a real database file."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
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


def test_domain_block_list_unblock(tmp_path: Path) -> None:
    blocked = run(tmp_path, "domain", "block", "*.Bad.Example", "--severity", "suspend",
                  "--reason", "harassment", "--private-reason", "see report 12")
    assert blocked.returncode == 0, blocked.stderr
    assert run(tmp_path, "domain", "block", "pics.example", "--severity", "reject-media",
               "--reject-reports").returncode == 0
    assert run(tmp_path, "domain", "allow", "friends.example").returncode == 0
    listed = run(tmp_path, "domain", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    document = json.loads(listed.stdout)
    assert document["mode"] == "open"
    assert [(b["domain"], b["severity"], b["reject_media"], b["reject_reports"])
            for b in document["blocks"]] == [("bad.example", "suspend", False, False),
                                             ("pics.example", "noop", True, True)]
    assert document["blocks"][0]["private_comment"] == "see report 12"
    assert [a["domain"] for a in document["allows"]] == ["friends.example"]
    assert "block bad.example suspend" in run(tmp_path, "domain", "list").stdout
    assert run(tmp_path, "domain", "unblock", "bad.example").returncode == 0
    again = run(tmp_path, "domain", "unblock", "bad.example")
    assert again.returncode == 1 and len(again.stderr.strip().splitlines()) == 1
    assert run(tmp_path, "domain", "disallow", "friends.example").returncode == 0
    after = json.loads(run(tmp_path, "domain", "list", "--json").stdout)
    assert [b["domain"] for b in after["blocks"]] == ["pics.example"] and after["allows"] == []
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as db:
        audited = db.execute("SELECT action FROM audit_log ORDER BY id")
        assert [row[0] for row in audited.fetchall()] == [
            "domain.block", "domain.block", "domain.allow", "domain.unblock", "domain.disallow"]
        names = db.execute("SELECT DISTINCT actor_id, actor_name FROM audit_log").fetchall()
        assert names == [(None, "kinhaven domain (command line)")]


def test_domain_mode_overrides_the_setting(tmp_path: Path) -> None:
    assert "allowlist" in run(tmp_path, "domain", "mode", "allowlist").stdout
    assert "allowlist" in run(tmp_path, "domain", "list").stdout
    assert "open" in run(tmp_path, "domain", "mode", "default").stdout


@pytest.mark.parametrize(
    "args",
    [("domain",), ("domain", "block", "bad.example"),
     ("domain", "block", "bad.example", "--severity", "obliterate"),
     ("domain", "block", "not a domain", "--severity", "suspend"),
     ("domain", "block", "https://bad.example/", "--severity", "limit"),
     ("domain", "allow", "bad\x1b.example"), ("domain", "import"), ("domain", "mode", "closed")],
)
def test_domain_usage_errors_exit_2_and_change_nothing(tmp_path: Path,
                                                       args: tuple[str, ...]) -> None:
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    listed = json.loads(run(tmp_path, "domain", "list", "--json").stdout)
    assert (listed["mode"], listed["blocks"], listed["allows"]) == ("open", [], [])


def test_blocking_the_instances_own_domain_fails(tmp_path: Path) -> None:
    result = run(tmp_path, "domain", "block", "127.0.0.1", "--severity", "suspend")
    assert result.returncode == 1
    assert "own domain" in result.stderr


def test_domain_import_then_export_round_trips(tmp_path: Path) -> None:
    export = ("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
              "bad.example,suspend,false,false,Harassment,false\n"
              'meh.example,silence,true,false,"Spam, mostly",true\n')
    (tmp_path / "blocks.csv").write_text(export + "not a domain,suspend\nx.example,nuke\n")
    imported = run(tmp_path, "domain", "import", str(tmp_path / "blocks.csv"))
    assert imported.returncode == 0, imported.stderr
    assert "imported 2" in imported.stdout
    warnings = imported.stderr.strip().splitlines()
    assert len(warnings) == 2
    assert "line 4" in warnings[0] and "line 5" in warnings[1]
    exported = run(tmp_path, "domain", "export")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == export
    second = run(tmp_path, "domain", "import", str(tmp_path / "blocks.csv"))
    assert "imported 0, skipped 2 already covered" in second.stdout


def test_domain_import_of_an_unreadable_file_exits_1(tmp_path: Path) -> None:
    missing = run(tmp_path, "domain", "import", str(tmp_path / "missing.csv"))
    assert missing.returncode == 1
    assert missing.stderr.startswith("kinhaven: ") and len(missing.stderr.splitlines()) == 1
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00garbage")
    binary = run(tmp_path, "domain", "import", str(tmp_path / "binary.csv"))
    assert binary.returncode == 1 and "UTF-8" in binary.stderr
