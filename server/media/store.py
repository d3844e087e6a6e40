"""Media files on disk, in a `media` folder next to the database file.

Members' images are named by random ids we make (never by anything a person sent), so a
name cannot be guessed, cannot climb out of the folder, and says nothing about its owner.
Remote images fetched by the proxy are kept under `media/cache/`, named by a hash of
their URL. Files are written to a temporary name and renamed, so a reader never sees half.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
from pathlib import Path

from server.config import Settings

NAME = re.compile(r"\A[0-9a-f]{32}\.(jpg|png)\Z")
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
_CACHE_NAME = re.compile(r"\A[0-9a-f]{64}\Z")


def media_folder(settings: Settings) -> Path:
    return Path(settings.database).parent / "media"


def media_url(base_url: str, name: str) -> str:
    """The absolute URL a local media file is served at."""
    return f"{base_url}/media/{name}"


class MediaStore:
    """Local media files and the proxy's cache, under one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cache = folder / "cache"

    @classmethod
    def for_settings(cls, settings: Settings) -> MediaStore:
        return cls(media_folder(settings))

    @staticmethod
    def new_name(extension: str) -> str:
        """A fresh, unguessable file name with one of our own extensions."""
        if extension not in CONTENT_TYPES:
            raise ValueError(f"no media is stored as .{extension}")
        return f"{secrets.token_hex(16)}.{extension}"

    def path_of(self, name: str) -> Path | None:
        """The file for a name we made, or None for any other string."""
        return self.folder / name if NAME.match(name) else None

    async def save(self, name: str, data: bytes) -> None:
        path = self.path_of(name)
        if path is None:
            raise ValueError(f"{name!r} is not a media file name")
        await asyncio.to_thread(_write_atomically, path, data)

    async def remove(self, *names: str) -> None:
        for name in names:
            path = self.path_of(name)
            if path is not None:
                await asyncio.to_thread(path.unlink, missing_ok=True)

    def cache_path(self, url: str) -> Path:
        return self.cache / hashlib.sha256(url.encode("utf-8")).hexdigest()

    async def read_cached(self, url: str) -> bytes | None:
        path = self.cache_path(url)
        assert _CACHE_NAME.match(path.name)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def cache_remote(self, url: str, data: bytes) -> None:
        await asyncio.to_thread(_write_atomically, self.cache_path(url), data)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
