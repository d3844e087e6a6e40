"""Who may open a page: signed-in members, moderators, admins. Routes call these first;
the app turns their exceptions into a sign-in redirect or a kind 403 page."""

from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request

from server.web.sessions import Viewer, viewer_of


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class NotAllowed(Exception):
    """Signed in, but this page is for moderators or admins."""


def require_viewer(request: Request) -> Viewer:
    viewer = viewer_of(request)
    if viewer is None:
        if request.method != "GET":  # a form cannot be re-sent after signing in
            raise SignInRequired("/home")
        path = request.url.path
        if request.url.query:
            path = f"{path}?{request.url.query}"
        raise SignInRequired(path)
    return viewer


def require_moderator(request: Request) -> Viewer:
    viewer = require_viewer(request)
    if not viewer.account.can_moderate:
        raise NotAllowed()
    return viewer


def require_admin(request: Request) -> Viewer:
    viewer = require_viewer(request)
    if viewer.account.role != "admin":
        raise NotAllowed()
    return viewer


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Only paths on this site: never another host, so sign-in cannot redirect away."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/home"
    return value
