from __future__ import annotations

from pathlib import Path

import pytest

from server.config import ConfigError, Settings, load_settings


def test_defaults_match_the_contract() -> None:
    settings = load_settings({})
    assert settings == Settings(
        domain="127.0.0.1:8000",
        scheme="https",
        database=Path("data/kinhaven.sqlite3"),
        secret_key=None,
        insecure_federation=False,
        federation_mode="open",
    )
    assert settings.base_url == "https://127.0.0.1:8000"
    assert settings.hostname == "127.0.0.1"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = tmp_path / "kinhaven.toml"
    config.write_text(
        'domain = "file.example"\nscheme = "http"\ninsecure_federation = true\n'
        'federation_mode = "allowlist"\n'
    )
    settings = load_settings(
        {"KINHAVEN_CONFIG": str(config), "KINHAVEN_DOMAIN": "Env.Example:8443"}
    )
    assert settings.domain == "env.example:8443"
    assert settings.hostname == "env.example"
    assert settings.scheme == "http"
    assert settings.insecure_federation is True
    assert settings.federation_mode == "allowlist"


@pytest.mark.parametrize(
    "environ",
    [
        {"KINHAVEN_SCHEME": "ftp"},
        {"KINHAVEN_FEDERATION_MODE": "closed"},
        {"KINHAVEN_INSECURE_FEDERATION": "maybe"},
        {"KINHAVEN_DOMAIN": "bad domain"},
        {"KINHAVEN_DOMAIN": 'x"><script>'},
        {"KINHAVEN_DOMAIN": "a.example/path"},
        {"KINHAVEN_SECRET_KEY": "short"},
        {"KINHAVEN_DATABASE": " "},
        {"KINHAVEN_CONFIG": "/nonexistent/kinhaven.toml"},
    ],
)
def test_bad_settings_are_refused(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_settings(environ)


def test_unknown_file_settings_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "kinhaven.toml"
    config.write_text('domian = "typo.example"\n')
    with pytest.raises(ConfigError, match="domian"):
        load_settings({"KINHAVEN_CONFIG": str(config)})


def test_malformed_toml_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "kinhaven.toml"
    config.write_text("domain = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"KINHAVEN_CONFIG": str(config)})
