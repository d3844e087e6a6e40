"""Fan-out: one public post to 1,000 followers spread over 200 loopback hosts.

Followers on one host share its inbox, as on real servers, so the post makes 200
deliveries; the figure is the time from `publish` until every host has it.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from federation.keys import generate_key_pair
from server.services import posting
from server.storage.actors import NewActor, get_actor, insert_actor
from server.storage.follows import insert_follow
from tests.instances import free_port, run_instance

HOSTS = 200
FOLLOWERS = 1000
ROUNDS = 5


async def _followers(running, member_id: int, port: int) -> None:  # type: ignore[no-untyped-def]
    key = generate_key_pair().public_pem
    ids = []
    async with running.db.transaction() as tx:
        for number in range(FOLLOWERS):
            host = f"127.0.0.{2 + number % HOSTS}:{port}"
            uri = f"http://{host}/users/f{number}"
            ids.append(await insert_actor(tx, NewActor(
                uri=uri, local=False, actor_type="Person", username=f"f{number}", domain=host,
                inbox_uri=f"{uri}/inbox", shared_inbox_uri=f"http://{host}/inbox",
                public_key_id=f"{uri}#main-key", public_key_pem=key,
            )))
    for follower_id in ids:
        await insert_follow(running.db, uri=f"{follower_id}-follow", follower_id=follower_id,
                            followee_id=member_id, accepted=True)


async def main() -> None:
    port = free_port()
    receivers = subprocess.Popen(
        [sys.executable, "-m", "bench.loopback_receivers", "--hosts", str(HOSTS),
         "--port", str(port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert receivers.stdout is not None and receivers.stdin is not None
    try:
        assert receivers.stdout.readline().strip() == "ready"
        with tempfile.TemporaryDirectory() as folder:
            async with run_instance(Path(folder)) as running:
                member_id = await running.add_member("poster")
                member = await get_actor(running.db, member_id)
                assert member is not None
                await _followers(running, member_id, port)
                federation = running.app.state.federation
                timings = []
                loop = asyncio.get_running_loop()
                for round_number in range(ROUNDS):
                    started = time.monotonic()
                    await posting.publish(federation, member, f"Round {round_number}",
                                          visibility="public")
                    line = await asyncio.wait_for(
                        loop.run_in_executor(None, receivers.stdout.readline), timeout=60)
                    timings.append(float(line.split()[1]) - started)
    finally:
        receivers.stdin.close()
        receivers.wait(timeout=30)
    print(f"fan-out: 1 post to {FOLLOWERS} followers on {HOSTS} loopback hosts "
          f"({HOSTS} shared-inbox deliveries)")
    print("  rounds (s): " + ", ".join(f"{t:.3f}" for t in timings))
    print(f"  median time until every host has it: {statistics.median(timings):.3f} s")
