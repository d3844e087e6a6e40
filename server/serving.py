"""How uvicorn serves Kinhaven: one place, used by `kinhaven serve` and the tests."""

from __future__ import annotations

import uvicorn
from starlette.types import ASGIApp


def uvicorn_config(app: ASGIApp, *, host: str = "127.0.0.1", port: int = 8000,
                   log_level: str = "info") -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        proxy_headers=True,
        server_header=False,
        # No access log: it would record every member's address and every page they
        # read, which a peer-support community should not keep.
        access_log=False,
        log_level=log_level,
    )
