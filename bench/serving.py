"""`kinhaven serve` for benchmarks that send one account's API requests by the hundred:
the same app and uvicorn settings, with the client API's rate limits raised through the
app factory, since Mastodon's (300 a member in five minutes) would answer them 429.

Run as a script: `python bench/serving.py --port PORT`, settings from the environment.
"""

from __future__ import annotations

import argparse

import uvicorn

from server.api.rate_limits import ApiLimits, Limit
from server.app import create_app
from server.config import load_settings
from server.serving import uvicorn_config

ROOMY = ApiLimits.all_at(Limit(1_000_000, 5 * 60))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.Server(uvicorn_config(create_app(load_settings(), api_limits=ROOMY),
                                  port=port, log_level="warning")).run()


if __name__ == "__main__":
    main()
