"""Settings from environment variables, optionally layered over a TOML file.

The variable names and defaults are a contract with admins (ARCHITECTURE.md), so
parsing is strict: a typo in a setting must stop the server rather than silently
fall back to an unsafe default.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

FEDERATION_MODES = ("open", "allowlist")
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DOMAIN = re.compile(rf"\A(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:]+\])(?::\d{{1,5}})?\Z")
SCHEMES = ("http", "https")


class ConfigError(Exception):
    """A setting is missing, malformed or contradicts another."""


@dataclass(frozen=True)
class Settings:
    domain: str = "127.0.0.1:8000"
    scheme: str = "https"
    database: Path = Path("data/kinhaven.sqlite3")
    secret_key: str | None = None
    insecure_federation: bool = False
    federation_mode: str = "open"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def hostname(self) -> str:
        """The domain without its port, as Mastodon compares handles."""
        host = self.domain
        if host.startswith("["):
            return host[1 : host.index("]")]
        return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


_FILE_KEYS = {
    "domain": "KINHAVEN_DOMAIN",
    "scheme": "KINHAVEN_SCHEME",
    "database": "KINHAVEN_DATABASE",
    "secret_key": "KINHAVEN_SECRET_KEY",
    "insecure_federation": "KINHAVEN_INSECURE_FEDERATION",
    "federation_mode": "KINHAVEN_FEDERATION_MODE",
}


def _parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("", "0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def _read_file(path: str) -> dict[str, str]:
    try:
        with open(path, "rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except FileNotFoundError as error:
        raise ConfigError(f"KINHAVEN_CONFIG names {path!r}, which does not exist") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from error
    unknown = sorted(set(data) - set(_FILE_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown settings: {', '.join(unknown)}")
    values = {}
    for key, value in data.items():
        if isinstance(value, bool):
            values[_FILE_KEYS[key]] = "1" if value else "0"
        else:
            values[_FILE_KEYS[key]] = str(value)
    return values


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings: defaults, then the TOML file, then environment variables."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, str] = {}
    if env.get("KINHAVEN_CONFIG"):
        values.update(_read_file(env["KINHAVEN_CONFIG"]))
    values.update({k: v for k, v in env.items() if k in _FILE_KEYS.values()})

    domain = values.get("KINHAVEN_DOMAIN", Settings.domain).strip().lower()
    if not _DOMAIN.match(domain):
        raise ConfigError(f"KINHAVEN_DOMAIN must be a host[:port], not {domain!r}")
    scheme = values.get("KINHAVEN_SCHEME", Settings.scheme).strip().lower()
    if scheme not in SCHEMES:
        raise ConfigError(f"KINHAVEN_SCHEME must be http or https, not {scheme!r}")
    mode = values.get("KINHAVEN_FEDERATION_MODE", Settings.federation_mode).strip().lower()
    if mode not in FEDERATION_MODES:
        raise ConfigError(f"KINHAVEN_FEDERATION_MODE must be open or allowlist, not {mode!r}")
    database = values.get("KINHAVEN_DATABASE", str(Settings.database)).strip()
    if not database:
        raise ConfigError("KINHAVEN_DATABASE must not be empty")
    insecure = _parse_bool(
        "KINHAVEN_INSECURE_FEDERATION", values.get("KINHAVEN_INSECURE_FEDERATION", "0")
    )
    secret = values.get("KINHAVEN_SECRET_KEY") or None
    if secret is not None and len(secret) < 32:
        raise ConfigError("KINHAVEN_SECRET_KEY must be at least 32 characters")
    return Settings(
        domain=domain,
        scheme=scheme,
        database=Path(database),
        secret_key=secret,
        insecure_federation=insecure,
        federation_mode=mode,
    )


def warn_about_unsafe_settings(settings: Settings) -> None:
    if settings.insecure_federation:
        logger.warning(
            "KINHAVEN_INSECURE_FEDERATION is on: remote actors may live at http:// URLs and "
            "private or loopback addresses. Use this only for tests and local trials."
        )
    if settings.scheme == "http":
        logger.warning("KINHAVEN_SCHEME is http: use https for a public instance.")
