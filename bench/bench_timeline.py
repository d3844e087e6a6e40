"""Timeline latency: GET /community on a database of 100,000 posts.

A real SQLite file is seeded in bulk (members, remote people on a few domains, posts of
every visibility, replies, tags, boosts, follows, a block, a mute and muted words), then
the server runs on loopback (`kinhaven serve`'s app, its API rate limits raised: one
token sends 800 requests) and takes sequential requests from this process: the
community timeline for a signed-in member and for an anonymous visitor, first page and
a page deep in the past, and the home timeline; then the client API's home and local
timelines for the same member (Mastodon's JSON, 20 statuses), with their time against
the pages'. Median and 90th percentile in ms; target: a median under 50 ms.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.bench_inbox import start, stop
from tests.instances import free_port

POSTS = 100_000
MEMBERS = 12
REMOTE_DOMAINS = 20
REMOTE_PEOPLE = 400
REQUESTS = 200
API_PATHS = (("home", "/api/v1/timelines/home?limit=20"),
             ("public?local=true", "/api/v1/timelines/public?local=true&limit=20"))
"""The client API's timelines, 20 statuses a page as the pages show 20 posts."""
PASSWORD = "bench password"
_VISIBILITIES = ["public"] * 5 + ["local"] * 2 + ["unlisted", "followers", "direct"]
_TAGS = ["support", "sleep", "grief", "wins", "anxiety", "recovery"]
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _stamp(second: int) -> str:
    day, rest = divmod(second, 86400)
    hour, rest = divmod(rest, 3600)
    minute, sec = divmod(rest, 60)
    return f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}T{hour:02d}:{minute:02d}:{sec:02d}.000Z"


def seed(database: Path, base: str) -> None:
    """Bulk rows straight into the file the server will open: seeding only."""
    rng = random.Random(7)
    with sqlite3.connect(database) as db:
        members = [row[0] for row in db.execute(
            "SELECT actor_id FROM accounts ORDER BY actor_id")]
        key = db.execute("SELECT public_key_pem FROM actors LIMIT 1").fetchone()[0]
        stamp = _stamp(0)
        remote_rows = []
        for index in range(REMOTE_PEOPLE):
            domain = f"server{index % REMOTE_DOMAINS}.example"
            uri = f"https://{domain}/users/person{index}"
            remote_rows.append((uri, f"person{index}", domain, f"Person {index}",
                                f"{uri}/inbox", f"{uri}#main-key", key, stamp, stamp))
        db.executemany(
            "INSERT INTO actors (uri, local, username, domain, display_name, inbox_uri,"
            " public_key_id, public_key_pem, created_at, updated_at)"
            " VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?)", remote_rows)
        remote = [row[0] for row in db.execute("SELECT id FROM actors WHERE local = 0")]
        posts = []
        for number in range(1, POSTS + 1):
            local = number % 2 == 0
            author = rng.choice(members) if local else rng.choice(remote)
            visibility = rng.choice(_VISIBILITIES)
            if not local and visibility == "local":
                visibility = "public"
            when = _stamp(number * 30)
            reply = rng.randrange(1, number) if number > 10 and rng.random() < 0.15 else None
            posts.append((f"{base}/bench/statuses/{number}", author, int(local),
                          f"{base}/bench/{number}", reply,
                          f"<p>Post {number}: one day at a time, with a little help.</p>",
                          "cw: heavy" if rng.random() < 0.05 else "", visibility, when, when))
        db.executemany(
            "INSERT INTO posts (uri, actor_id, local, url, in_reply_to_id, content_html,"
            " summary, visibility, published_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            posts)
        ids = [row[0] for row in db.execute("SELECT id FROM posts")]
        db.executemany("INSERT INTO post_tags (post_id, tag) VALUES (?, ?)",
                       [(post_id, rng.choice(_TAGS)) for post_id in ids if post_id % 10 == 0])
        db.executemany("INSERT OR IGNORE INTO mentions (post_id, actor_id) VALUES (?, ?)",
                       [(post_id, rng.choice(members)) for post_id in ids if post_id % 7 == 0])
        db.executemany(
            "INSERT OR IGNORE INTO boosts (uri, actor_id, post_id, created_at) VALUES (?, ?, ?, ?)",
            [(f"{base}/bench/boosts/{n}", rng.choice(members + remote), rng.choice(ids),
              _stamp(POSTS * 30 + n)) for n in range(5000)])
        db.executemany(
            "INSERT OR IGNORE INTO likes (uri, actor_id, post_id, created_at) VALUES (?, ?, ?, ?)",
            [(f"{base}/bench/likes/{n}", rng.choice(members + remote), rng.choice(ids), stamp)
             for n in range(20000)])
        reader = members[0]
        db.executemany(
            "INSERT OR IGNORE INTO follows (uri, follower_id, followee_id, state, created_at)"
            " VALUES (?, ?, ?, 'accepted', ?)",
            [(f"{base}/bench/follows/{reader}/{other}", reader, other, stamp)
             for other in members[1:] + remote[:50]])
        db.execute("INSERT INTO blocks (uri, actor_id, target_id, created_at)"
                   " VALUES ('urn:bench:block', ?, ?, ?)", (reader, members[1], stamp))
        db.execute("INSERT INTO mutes (actor_id, target_id, created_at) VALUES (?, ?, ?)",
                   (reader, members[2], stamp))
        db.executemany(
            "INSERT INTO muted_words (account_id, phrase, created_at) VALUES (?, ?, ?)",
            [(reader, word, stamp) for word in ("relapse", "weigh-in", "anniversary")])
        db.execute("INSERT INTO domain_blocks (domain, severity, created_at)"
                   " VALUES ('server3.example', 'suspend', ?)", (stamp,))
        db.execute("ANALYZE")


def deep_max_id(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(
            "SELECT id FROM posts WHERE local = 1 ORDER BY id LIMIT 1 OFFSET 2000").fetchone()[0])


async def measure(client: httpx.AsyncClient, path: str) -> list[float]:
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        answer = await client.get(path)
        timings.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    return timings


async def sign_in(client: httpx.AsyncClient) -> None:
    form = await client.get("/login")
    match = _TOKEN.search(form.text)
    assert match is not None, "no CSRF token on the sign-in page"
    answer = await client.post("/login", data={
        "username": "member0", "password": PASSWORD, "csrf_token": match[1]})
    assert answer.status_code == 303, answer.status_code


async def main() -> None:
    kinhaven = str(Path(sys.executable).parent / "kinhaven")
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        database = Path(folder) / "kinhaven.sqlite3"
        env = {"KINHAVEN_DOMAIN": f"127.0.0.1:{port}", "KINHAVEN_SCHEME": "http",
               "KINHAVEN_DATABASE": str(database)}
        started = time.perf_counter()
        subprocess.run([kinhaven, "init"], env={**os.environ, **env}, check=True,
                       capture_output=True)
        for index in range(MEMBERS):
            subprocess.run([kinhaven, "user", "create", f"member{index}", "--password",
                            PASSWORD], env={**os.environ, **env}, check=True,
                           capture_output=True)
        seed(database, f"http://127.0.0.1:{port}")
        seeded = time.perf_counter() - started
        deep = deep_max_id(database)
        token = subprocess.run(
            [kinhaven, "token", "create", "member0", "--scopes", "read"],
            env={**os.environ, **env}, check=True, capture_output=True, text=True,
        ).stdout.strip()
        serving = str(Path(__file__).with_name("serving.py"))
        process = start([sys.executable, serving, "--port", str(port)], env, port)
        results: dict[str, list[float]] = {}
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as anonymous, \
                    httpx.AsyncClient(base_url=base) as member, \
                    httpx.AsyncClient(base_url=base, headers={
                        "Authorization": f"Bearer {token}"}) as app:
                await sign_in(member)
                first = (await member.get("/community")).text
                assert first.count('<article class="post') == 20, "a short first page"
                results["member    /home"] = await measure(member, "/home")
                for name, client in (("member", member), ("anonymous", anonymous)):
                    for label, path in (("/community", "/community"),
                                        ("/community?max_id=deep", f"/community?max_id={deep}")):
                        await measure(client, path)  # warm up
                        results[f"{name:9} {label}"] = await measure(client, path)
                for label, path in API_PATHS:
                    await measure(app, path)  # warm up
                    results[f"api       {label}"] = await measure(app, path)
        finally:
            stop(process)
    print(f"timeline latency, {POSTS} posts (seeded in {seeded:.1f} s), {REQUESTS} sequential "
          "requests each (ms):")
    for name, values in results.items():
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"  {name:34} median {statistics.median(values):6.1f}   p90 {p90:6.1f}")
    for api, page in (("api       home", "member    /home"),
                      ("api       public?local=true", "member    /community")):
        ratio = statistics.median(results[api]) / statistics.median(results[page])
        print(f"  {api} against the page {page.split()[-1]}: {ratio:.2f}x the time")


if __name__ == "__main__":
    asyncio.run(main())
