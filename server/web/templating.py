"""The jinja2 environment: autoescaping on, templates from the top-level `templates/`.

Every page gets the signed-in viewer (or None) and the CSRF token its forms carry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from server.media.proxy import proxied
from server.web.sessions import csrf_token, viewer_of

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.globals["proxied"] = proxied


def render(
    request: Request, name: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    instance = request.app.state.instance
    html = environment.get_template(name).render({
        "request": request,
        "instance_domain": instance.settings.domain,
        "viewer": viewer_of(request),
        "csrf_token": csrf_token(request),
        **context,
    })
    # Pages differ by who is signed in, and may show private posts: never cache them.
    headers = {"Vary": "Accept, Cookie", "Cache-Control": "private, no-store"}
    return HTMLResponse(html, status_code=status_code, headers=headers)
