"""The member's posting and reading preferences, in Mastodon's names, so an app composes
with the visibility the member chose on the web.

Kinhaven's members-only default reads as Mastodon's `private` (the nearest it has), with
the real choice in `kinhaven:posting:default:visibility`. Kinhaven keeps no choice of
default language, of sensitive media by default, or of expanding media and content
warnings, so those are Mastodon's defaults.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api.auth import require_scope
from server.api.entities import VISIBILITY
from server.api.responses import api_json


async def preferences(request: Request) -> Response:
    caller = await require_scope(request, "read:accounts")
    chosen = caller.account.default_visibility
    return api_json({
        "posting:default:visibility": VISIBILITY.get(chosen, "public"),
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
        "reading:autoplay:gifs": False,
        "kinhaven:posting:default:visibility": chosen,
    })


routes = [Route("/v1/preferences", preferences, methods=["GET"])]
