"""Inbox throughput with a heavy moderation load against none, in the same run.

Two `kinhaven serve` processes take turns each round: one with an empty policy, one
with 10,000 domain blocks and 1,000 keyword rules (none of which the benchmark's
posts match, as most real posts match none). Both record, verify and process every
signed Create(Note) the same way; the ratio says what the rules cost."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import bench_inbox as inbox
from tests.instances import free_port

DOMAIN_BLOCKS = 10_000
KEYWORD_RULES = 1_000
ROUNDS = 5


def _words(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 12)))
            for _ in range(count)]


def _load_policy(database: Path, env: dict[str, str]) -> None:
    """Thousands of rules loaded through Kinhaven's own code paths: a CSV import for the
    domains, the storage layer for the keyword rules."""
    rng = random.Random(7)
    blocklist = database.parent / "blocks.csv"
    lines = ["#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"]
    lines += [f"{name}.example,suspend,false,false,,false" for name in _words(rng, DOMAIN_BLOCKS)]
    blocklist.write_text("\n".join(lines) + "\n")
    kinhaven = str(Path(sys.executable).parent / "kinhaven")
    subprocess.run([kinhaven, "domain", "import", str(blocklist)], env={**os.environ, **env},
                   check=True, capture_output=True)
    script = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from moderation.keywords import KeywordAction, KeywordRule\n"
        "from server.storage import keywords\n"
        "from server.storage.database import Database\n"
        "async def main():\n"
        "    db = await Database.open(Path(sys.argv[1]))\n"
        "    actions = list(KeywordAction)\n"
        "    for index, word in enumerate(sys.argv[2:]):\n"
        "        rule = KeywordRule(id='new', text=word, action=actions[index % len(actions)])\n"
        "        await keywords.add_rule(db, rule, by_id=None, by_name='bench')\n"
        "    await db.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script, str(database), *_words(rng, KEYWORD_RULES)],
                   check=True, capture_output=True)


async def main() -> None:
    results: dict[str, list[float]] = {"no rules": [], "with rules": []}
    kinhaven = str(Path(sys.executable).parent / "kinhaven")
    async with inbox.remote_actor_host() as sender_base:
        key_id = f"{sender_base}/users/sender#main-key"
        with tempfile.TemporaryDirectory() as folder:
            servers = {}
            processes: list[subprocess.Popen[bytes]] = []
            try:
                for name in results:
                    port = free_port()
                    (Path(folder) / str(port)).mkdir()
                    database = Path(folder) / str(port) / "kinhaven.sqlite3"
                    env = {"KINHAVEN_DOMAIN": f"127.0.0.1:{port}", "KINHAVEN_SCHEME": "http",
                           "KINHAVEN_DATABASE": str(database),
                           "KINHAVEN_INSECURE_FEDERATION": "1"}
                    subprocess.run([kinhaven, "user", "create", "member", "--password",
                                    "bench password"], env={**os.environ, **env}, check=True,
                                   capture_output=True)
                    if name == "with rules":
                        _load_policy(database, env)
                    processes.append(inbox.start([kinhaven, "serve", "--port", str(port)],
                                                 env, port))
                    servers[name] = (port, database)
                for port, _ in servers.values():  # warm up: keys fetched, caches built
                    url = f"http://127.0.0.1:{port}/inbox"
                    member = f"http://127.0.0.1:{port}/users/member"
                    await inbox.blast(url, inbox.signed(
                        url, inbox.activities(sender_base, member)[:1], key_id))
                for _ in range(ROUNDS):
                    for name, (port, database) in servers.items():
                        url = f"http://127.0.0.1:{port}/inbox"
                        member = f"http://127.0.0.1:{port}/users/member"
                        requests = inbox.signed(url, inbox.activities(sender_base, member),
                                                key_id)
                        target = inbox._count(database) + inbox.ACTIVITIES
                        started = time.perf_counter()
                        await inbox.blast(url, requests)
                        while inbox._count(database) < target:
                            if time.perf_counter() - started > 120:
                                raise RuntimeError(f"{name}: not every activity was processed")
                            await asyncio.sleep(0.02)
                        results[name].append(inbox.ACTIVITIES / (time.perf_counter() - started))
            finally:
                for process in processes:
                    inbox.stop(process)
    medians = {name: statistics.median(values) for name, values in results.items()}
    print(f"inbox throughput with {DOMAIN_BLOCKS} domain blocks and {KEYWORD_RULES} keyword "
          f"rules, {inbox.ACTIVITIES} signed Create(Note) per round, median of {ROUNDS} rounds "
          "(activities/s):")
    for name, values in results.items():
        print(f"  {name:10} {medians[name]:8.0f}   rounds: "
              + ", ".join(f"{value:.0f}" for value in values))
    print(f"  with rules / no rules: {medians['with rules'] / medians['no rules']:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
