"""Placeholder: filled in by the work on the client API."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
