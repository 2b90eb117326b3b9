"""The shipped systemd unit keeps retrying at boot and hands the tokens over as root-only credentials."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).parents[1]
UNIT = ROOT / "deploy" / "strikebot.service"


def _unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections of a unit file as (key, value) lists; keys may repeat, as systemd allows."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = sections.setdefault(header.group(1), [])
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not key=value: {raw!r}"
        current.append((key.strip(), value.strip()))
    return sections


def _values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [value for k, value in section if k == key]


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|sec|min|m)?", value)
    assert match, value
    return float(match.group(1)) * (60 if match.group(2) in ("min", "m") else 1)


def test_the_unit_waits_for_the_network_and_keeps_restarting() -> None:
    unit = _unit(UNIT.read_text())
    assert "network-online.target" in " ".join(_values(unit["Unit"], "Wants"))
    assert "network-online.target" in " ".join(_values(unit["Unit"], "After"))
    assert _values(unit["Unit"], "StartLimitIntervalSec") == ["0"]
    service = unit["Service"]
    assert _values(service, "Restart") == ["on-failure"]
    [restart_sec] = _values(service, "RestartSec")
    assert _seconds(restart_sec) >= 1
    [exec_start] = _values(service, "ExecStart")
    assert exec_start.endswith("strikebot run")
    assert _values(unit["Install"], "WantedBy") == ["multi-user.target"]


def test_the_tokens_come_from_root_only_credentials_not_a_readable_env_file() -> None:
    service = _unit(UNIT.read_text())["Service"]
    assert _values(service, "DynamicUser") == ["yes"]
    credentials = dict(c.split(":", 1) for c in _values(service, "LoadCredential"))
    assert set(credentials) == {"STRIKEBOT_TELEGRAM_TOKEN", "STRIKEBOT_DISCORD_TOKEN", "STRIKEBOT_API_TOKEN"}
    assert all(path.startswith("/etc/strikebot/") for path in credentials.values())
    # no token in the unit itself, and no .env from the checkout (which any local user could read)
    assert not [v for v in _values(service, "Environment") if "TOKEN" in v]
    [checkout] = _values(service, "WorkingDirectory")
    env_files = [v.lstrip("-") for v in _values(service, "EnvironmentFile")]
    assert env_files and not [f for f in env_files if f.startswith(checkout)]


def test_deployment_docs_show_the_shipped_unit() -> None:
    docs = (ROOT / "docs" / "deployment.md").read_text()
    assert f"```ini\n{UNIT.read_text()}```" in docs
    assert "chmod 600" in docs or "-m 0600" in docs


def test_strikebot_reads_settings_from_the_credentials_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    token = "123456789:AAcredentialcredentialcredential"
    (credentials / "STRIKEBOT_TELEGRAM_TOKEN").write_text(token + "\n")
    (credentials / "STRIKEBOT_API_TOKEN").write_text("api-token-from-a-credential")
    for name in ("STRIKEBOT_TELEGRAM_TOKEN", "STRIKEBOT_API_TOKEN", "STRIKEBOT_DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    settings = Settings.from_environment()
    assert settings.telegram_token is not None and settings.telegram_token.get_secret_value() == token
    assert settings.api_token is not None and settings.api_token.get_secret_value() == "api-token-from-a-credential"
    assert settings.discord_token is None
    # the environment still wins over a credential
    monkeypatch.setenv("STRIKEBOT_API_TOKEN", "from-the-environment")
    settings = Settings.from_environment()
    assert settings.api_token is not None and settings.api_token.get_secret_value() == "from-the-environment"
