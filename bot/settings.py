"""Settings from the environment (prefix STRIKEBOT_), `.env` and systemd credentials (docs/design.md "Settings")."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import unquote, unquote_plus, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.fanout import CHUNK, FIRST_CHUNK

DEFAULT_DATABASE_URL = "sqlite:///strikebot.db"


def url_passwords(url: str) -> list[str]:
    """The password in a database URL (`user:PASSWORD@host` or `?password=`), as written and decoded; [] if none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return []
    written = [parts.password or ""]
    written += [v for k, _, v in (item.partition("=") for item in parts.query.split("&")) if k == "password"]
    # a driver's message may quote it as written (%40) or decoded (@)
    return sorted({form for raw in written if raw for form in (raw, unquote(raw), unquote_plus(raw))})


class Settings(BaseSettings):
    """Everything an operator can set; tokens are SecretStr so they never print."""

    model_config = SettingsConfigDict(
        env_prefix="STRIKEBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = DEFAULT_DATABASE_URL
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_rate: float = Field(default=30.0, ge=0)
    # alerts sent with allow_paid_broadcast: up to 1,000/s, billed in Stars to the bot owner
    telegram_paid_broadcast: bool = False
    # webhook mode: Telegram posts updates to this public URL, which the reverse proxy sends on to
    # POST /telegram/webhook of the HTTP API; every request carries the secret (docs/deployment.md)
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    discord_token: SecretStr | None = None
    discord_api_url: str = "https://discord.com/api/v10"
    discord_guild_ids: Annotated[list[int], NoDecode] = []
    admins: Annotated[list[str], NoDecode] = []
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8080, ge=0, le=65535)
    api_token: SecretStr | None = None
    # seconds a client has to send a whole request body; a trickling client is cut off (408)
    api_body_timeout: float = Field(default=30.0, gt=0, le=3600)
    timezone: str = "Europe/Kyiv"
    locale: Literal["en", "uk"] = "en"
    seed: Literal["auto", "none"] = "auto"
    log_format: Literal["kv", "json"] = "kv"
    log_level: str = "INFO"
    # delivery tuning (not part of the contract; defaults suit one process)
    delivery_concurrency: int = Field(default=64, ge=1, le=1000)
    delivery_max_attempts: int = Field(default=8, ge=1, le=100)
    # finished outbox rows are deleted after this many days (sent alert rows are kept)
    outbox_retention_days: int = Field(default=7, ge=1, le=3650)
    # how long a claimed outbox row stays with this process; after a crash it comes back then
    delivery_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    # how often the dispatcher looks at the outbox without being woken (new rows wake it at once)
    delivery_poll_interval: float = Field(default=1.0, gt=0, le=60)
    # a new alert is queued inside the ingest to this many chats; the rest in chunks of
    # DELIVERY_FANOUT_CHUNK in the background, so a huge fan-out never holds up the ingest
    delivery_fanout_first_chunk: int = Field(default=FIRST_CHUNK, ge=1, le=1_000_000)
    delivery_fanout_chunk: int = Field(default=CHUNK, ge=1, le=1_000_000)
    # followed sources (docs/sources.md): RSS/Atom feeds and t.me/s/<channel> pages
    sources: Annotated[list[str], NoDecode] = []
    sources_interval: float = Field(default=300.0, ge=5, le=86400)
    sources_mode: Literal["review", "auto"] = "review"

    @classmethod
    def from_environment(cls) -> Settings:
        """The process's settings: environment, then `.env`, then systemd credentials.

        A unit's `LoadCredential=STRIKEBOT_TELEGRAM_TOKEN:/etc/strikebot/telegram_token`
        puts the token in a file named after the variable in $CREDENTIALS_DIRECTORY,
        readable by the service alone; any STRIKEBOT_ setting can come that way.
        """
        credentials = os.environ.get("CREDENTIALS_DIRECTORY", "")
        if credentials and Path(credentials).is_dir():
            return cls(_secrets_dir=credentials)  # type: ignore[call-arg]
        return cls()

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(v) for v in value.replace(";", ",").split(",") if v.strip()]
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            items = [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]
            for item in items:
                platform, _, user = item.partition(":")
                if platform not in ("telegram", "discord", "console") or not user:
                    raise ValueError(f"admin {item!r} is not platform:user_id (telegram:123, discord:456)")
            return items
        return value

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: object) -> object:
        if isinstance(value, str):
            items = [v for v in value.replace(",", " ").replace(";", " ").split() if v]
            for item in items:
                if not item.startswith(("http://", "https://")):
                    raise ValueError(f"source {item!r} is not an http:// or https:// URL")
            return items
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram's rule for secret_token: 1-256 characters A-Z, a-z, 0-9, _ and -
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("the webhook secret takes 1-256 characters: letters, digits, _ and -")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, platform: str, user_id: str) -> bool:
        """Whether `platform:user_id` is listed in STRIKEBOT_ADMINS."""
        return f"{platform}:{user_id}" in self.admins

    def secrets(self) -> list[str]:
        """Every configured secret value, for log redaction: the tokens and the database URL's password."""
        tokens = [
            s.get_secret_value()
            for s in (self.telegram_token, self.discord_token, self.api_token, self.telegram_webhook_secret)
            if s is not None and s.get_secret_value()
        ]
        return tokens + url_passwords(self.database_url)
