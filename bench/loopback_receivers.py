"""Many small inboxes on many loopback addresses, for the fan-out benchmark.

Listens on 127.0.0.2 … 127.0.0.(N+1), one port, answers every POST with 202 and
prints `complete <monotonic time>` when every address has received a given activity.
Runs until its standard input closes, so it never outlives the benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict


async def serve(hosts: int, port: int) -> None:
    seen: defaultdict[str, set[str]] = defaultdict(set)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                body = await reader.readexactly(length)
                writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                await writer.drain()
                activity_id = json.loads(body).get("id", "")
                seen[activity_id].add(host)
                if len(seen[activity_id]) == hosts:
                    print(f"complete {time.monotonic()}", flush=True)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    servers = [
        await asyncio.start_server(handle, f"127.0.0.{2 + index}", port) for index in range(hosts)
    ]
    print("ready", flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    for server in servers:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.hosts, args.port))


if __name__ == "__main__":
    main()
