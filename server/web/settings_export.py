"""Downloading one's own data: one zip file with everything, or each list on its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.activitypub.context import Federation, federation_of
from server.clock import now_text
from server.services import exporting
from server.storage.actors import Actor
from server.web.guards import require_viewer
from server.web.templating import render

CSV_FILES: dict[str, Callable[[Federation, Actor], Awaitable[str | None]]] = {
    "following_accounts": exporting.following_csv,
    "followers": exporting.followers_csv,
    "blocked_accounts": exporting.blocked_csv,
    "muted_accounts": exporting.muted_csv,
}


def _download(content: bytes | str, file_name: str, media_type: str) -> Response:
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{file_name}"',
        "Cache-Control": "private, no-store",
    })


async def export_page(request: Request) -> Response:
    viewer = require_viewer(request)
    return render(request, "settings/export.html", {
        "archive_name": f"kinhaven-export-{viewer.actor.username}.zip",
    })


async def export_archive(request: Request) -> Response:
    viewer = require_viewer(request)
    data = await exporting.archive(federation_of(request), viewer.actor, date=now_text()[:10])
    return _download(data, f"kinhaven-export-{viewer.actor.username}.zip", "application/zip")


async def export_csv(request: Request) -> Response:
    viewer = require_viewer(request)
    name = request.path_params["name"]
    build = CSV_FILES.get(name)
    text = None if build is None else await build(federation_of(request), viewer.actor)
    if text is None:
        raise HTTPException(404)
    return _download(text, f"{name}.csv", "text/csv; charset=utf-8")


routes = [
    Route("/settings/export", export_page, methods=["GET"]),
    Route("/settings/export/archive.zip", export_archive, methods=["GET"]),
    Route("/settings/export/{name}.csv", export_csv, methods=["GET"]),
]
