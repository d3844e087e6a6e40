"""Typed access to what the app's lifespan put on `app.state`."""

from __future__ import annotations

from starlette.requests import Request

from server.instance import Instance
from server.storage.database import Database


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def instance_of(request: Request) -> Instance:
    instance: Instance = request.app.state.instance
    return instance
