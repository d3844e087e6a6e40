"""`make bench`: every benchmark in one run, each printing its own figures."""

from __future__ import annotations

import asyncio

from bench import bench_fanout, bench_inbox, bench_policy_load, bench_timeline


def main() -> None:
    asyncio.run(bench_inbox.main())
    asyncio.run(bench_fanout.main())
    asyncio.run(bench_timeline.main())
    asyncio.run(bench_policy_load.main())


if __name__ == "__main__":
    main()
