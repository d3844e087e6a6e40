"""The two baselines the inbox benchmark compares Kinhaven against, served by uvicorn
exactly as Kinhaven is: a bare 202, and a 202 after parsing the JSON and verifying
the signature with a cached key (the floor any real inbox pays)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.signatures import HttpRequest, parse_signature, verify_signature


async def bare(request: Request) -> Response:
    await request.body()
    return Response(status_code=202)


_KEY = Path(os.environ.get("BENCH_KEY_FILE", "/dev/null")).read_text() or ""


async def verifying(request: Request) -> Response:
    body = await request.body()
    json.loads(body)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    parsed = parse_signature(
        HttpRequest(request.method, target, dict(request.headers.items()), body),
        now=datetime.now(UTC),
    )
    verify_signature(parsed, _KEY)
    return Response(status_code=202)


bare_app = Starlette(routes=[Route("/inbox", bare, methods=["POST"])])
verifying_app = Starlette(routes=[Route("/inbox", verifying, methods=["POST"])])
