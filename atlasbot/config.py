"""Settings, read once at start-up from ``ATLASBOT_*`` variables and an optional ``.env`` file."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from atlasbot.escalation import Timings
from atlasbot.i18n import SUPPORTED_LOCALES, _
from atlasbot.planner.travel import TravelModel
from atlasbot.safe_files import DEFAULT_MAX_FILE_BYTES
from atlasbot.training.events_file import DEFAULT_MAX_HORIZON_DAYS

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
AUDIT_KEY_MIN_LENGTH = 32

LogFormat = Literal["text", "json"]
# Telegram accepts 1-256 of these characters as a webhook's secret token.
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def _loopback_http(url: str) -> bool:
    """Whether ``url`` is plain http to this machine (the sandbox's webhook, in tests)."""
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS


class SettingsError(Exception):
    """Settings that cannot be used; the message is one line a person can act on."""


class Settings(BaseSettings):
    """Everything the program can be told from outside; never logged whole (the token)."""

    model_config = SettingsConfigDict(
        env_prefix="ATLASBOT_", env_file=".env", extra="ignore", frozen=True
    )

    token: SecretStr | None = None  # the Telegram bot token
    # Where the Bot API is: Telegram's, a self-hosted telegram-bot-api server, or the sandbox.
    bot_api_url: str = "https://api.telegram.org/bot"
    # The key sealing each audit entry (HMAC-SHA256), kept outside the database like the token.
    audit_key: SecretStr | None = None
    database_url: str = "sqlite:///atlasbot.db"
    timezone: str = "Europe/Brussels"
    log_level: LogLevel = "INFO"
    # The language of the command line's messages for operators (one of i18n's supported
    # ones). Chosen on purpose, never read from LANG: scripts parse the English output.
    language: str = "en"

    # The ETA model (docs/formats.md §3).
    eta_road_detour_factor: float = Field(default=1.3, gt=0)
    eta_road_kmh: float = Field(default=80, gt=0)
    eta_helicopter_kmh: float = Field(default=220, gt=0)
    eta_helicopter_overhead_min: float = Field(default=15, ge=0)
    eta_helicopter_max_km: float = Field(default=600, ge=0)
    eta_aircraft_overhead_min: float = Field(default=120, ge=0)
    eta_aircraft_kmh: float = Field(default=650, gt=0)

    plan_time_limit_s: float = Field(default=20.0, gt=0)
    # Files people give the bot (network, request, events files, uploads): the largest read.
    max_file_bytes: int = Field(default=DEFAULT_MAX_FILE_BYTES, ge=1024, le=256 * 1024 * 1024)
    # A file sent in the chat is read in a worker process within this time and address space
    # (atlasbot/bot/uploads.py); a file that needs more is refused, and nobody else waits.
    upload_seconds: float = Field(default=10.0, gt=0, le=600)
    upload_memory_bytes: int = Field(default=1024**3, ge=256 * 1024**2)
    # On-scene times are compared rounded up to this step (docs/formats.md §5): the ETA model is
    # rough, and a few minutes must not pull in another state. 1 compares exact minutes.
    plan_step_min: int = Field(default=10, ge=1)
    # How often changed wizard drafts are written to the database: a kill -9 loses at most
    # this much of a draft (a clean stop writes everything).
    chat_state_flush_s: float = Field(default=1.0, gt=0)
    invite_ttl_days: int = Field(default=7, ge=1, le=90)

    # Joint trainings (issue 6): currency window, reminders, and the chat's planner budget.
    training_currency_months: int = Field(default=12, ge=1, le=120)
    training_reminder_days: tuple[int, ...] = (14, 2)
    training_reminder_hour: int = Field(default=9, ge=0, le=23)
    training_plan_time_limit_s: float = Field(default=20.0, gt=0)
    # The longest horizon an events file may have; the calendar works every day of it out.
    training_max_horizon_days: int = Field(default=DEFAULT_MAX_HORIZON_DAYS, ge=7, le=3660)

    # On-call alerting (issue 5): escalation timings in seconds, so a demo can run a chain.
    escalation_duty_to_unit_s: float = Field(default=300, ge=0)
    escalation_unit_to_authority_s: float = Field(default=300, ge=0)
    escalation_expire_after_s: float = Field(default=1800, ge=0)
    request_reminder_s: float = Field(default=600, ge=0)
    request_deadline_s: float = Field(default=1800, ge=0)
    counter_reminder_s: float = Field(default=600, ge=0)
    counter_expire_s: float = Field(default=1800, ge=0)
    # Opening Accept or Counter-propose holds the answer deadline this long (R5, issue 11).
    answer_hold_s: float = Field(default=900, ge=0)
    # A released unit is "returning" this long when no ETA home is known (it never departed).
    return_home_s: float = Field(default=3600, ge=0)
    duty_reminder_before_s: float = Field(default=1800, ge=0)
    alert_send_attempts: int = Field(default=5, ge=1, le=20)
    alert_retry_base_s: float = Field(default=0.5, gt=0)
    alert_send_timeout_s: float = Field(default=10.0, gt=0)
    # How long a process holds a copy it sends (renewed while sending or waiting out a
    # 429); another process takes over a copy only once its lease ran out.
    delivery_lease_s: float = Field(default=30.0, gt=0)

    # Operations (issue 13). Log lines as text, or one JSON object per line for collectors.
    log_format: LogFormat = "text"
    # /healthz, /readyz and /metrics; loopback by default (a container sets 0.0.0.0);
    # no port: no health server.
    health_host: str = "127.0.0.1"
    health_port: int | None = Field(default=8080, ge=0, le=65535)
    # Webhook mode when a URL is set (https, as Telegram requires), else long polling. The
    # webhook listener is a port of its own, so /metrics need not face the internet.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"  # noqa: S104 - a webhook must be reachable by the proxy
    webhook_port: int = Field(default=8443, ge=0, le=65535)
    # Active/standby on PostgreSQL: how often a standby tries to lead and the leader checks
    # its lock; a leader that cannot confirm it within the lease stops acting.
    leadership_renew_s: float = Field(default=1.0, gt=0)
    leadership_lease_s: float = Field(default=6.0, gt=0)
    # The Telegram Mini App (issue 16): the public https base URL its web_app buttons open
    # (unset: no web_app button), where this process serves it (a proxy passes it on), how
    # old a page's initData may be, and the map's tiles ("": country outlines only, offline).
    webapp_url: str | None = None
    webapp_host: str = "127.0.0.1"
    webapp_port: int = Field(default=8081, ge=0, le=65535)
    webapp_max_age_s: float = Field(default=86400.0, gt=0)
    map_tiles_url: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as err:
            raise ValueError(_("unknown IANA time zone {zone!r}", zone=value)) from err
        return value

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(
                _(
                    "unsupported language {language!r}: use one of {languages}",
                    language=value,
                    languages=", ".join(SUPPORTED_LOCALES),
                )
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql")):
            raise ValueError(_("must start with sqlite:// or postgresql+psycopg://"))
        return value

    @field_validator("bot_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(_("must be an http(s) URL such as https://api.telegram.org/bot"))
        return value

    @field_validator("audit_key")
    @classmethod
    def _long_enough_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < AUDIT_KEY_MIN_LENGTH:
            raise ValueError(
                _(
                    "must be at least {length} characters of a random secret "
                    "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')",
                    length=AUDIT_KEY_MIN_LENGTH,
                )
            )
        return value

    @field_validator("webhook_url")
    @classmethod
    def _https_webhook(cls, value: str | None) -> str | None:
        # http only on loopback: a sandbox or a test on this machine, never a network hop.
        if value is not None and not value.startswith("https://") and not _loopback_http(value):
            raise ValueError(
                _(
                    "Telegram only posts to https:// webhook URLs (http:// only for 127.0.0.1, "
                    "localhost or [::1], for the sandbox)"
                )
            )
        return value or None

    @field_validator("webapp_url")
    @classmethod
    def _https_webapp(cls, value: str | None) -> str | None:
        # Telegram opens only https Mini Apps; http only on loopback (the sandbox's tests).
        if value is not None and not value.startswith("https://") and not _loopback_http(value):
            raise ValueError(_("a Mini App URL must be https:// (http:// only on loopback)"))
        return value or None

    @field_validator("webhook_secret")
    @classmethod
    def _telegram_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError(_("1 to 256 characters, only A-Z, a-z, 0-9, _ and -"))
        return value

    @model_validator(mode="after")
    def _operations_fit_together(self) -> Settings:
        if self.webhook_url is not None and self.webhook_secret is None:
            raise ValueError(
                _("ATLASBOT_WEBHOOK_URL needs ATLASBOT_WEBHOOK_SECRET (every request is checked)")
            )
        if self.leadership_lease_s < 2 * self.leadership_renew_s:
            raise ValueError(
                _("ATLASBOT_LEADERSHIP_LEASE_S must be at least twice ATLASBOT_LEADERSHIP_RENEW_S")
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def invite_ttl(self) -> timedelta:
        return timedelta(days=self.invite_ttl_days)

    @property
    def return_home(self) -> timedelta:
        """How long a released unit is "returning" when no ETA home is known."""
        return timedelta(seconds=self.return_home_s)

    def escalation_timings(self) -> Timings:
        """The default escalation chains' timings."""
        return Timings(
            duty_to_unit_s=self.escalation_duty_to_unit_s,
            unit_to_authority_s=self.escalation_unit_to_authority_s,
            expire_after_s=self.escalation_expire_after_s,
            request_reminder_s=self.request_reminder_s,
            request_deadline_s=max(self.request_deadline_s, self.request_reminder_s),
            counter_reminder_s=self.counter_reminder_s,
            counter_expire_s=self.counter_expire_s,
        )

    def travel_model(self) -> TravelModel:
        """The ETA model with the configured parameters."""
        return TravelModel(
            road_detour_factor=self.eta_road_detour_factor,
            road_kmh=self.eta_road_kmh,
            helicopter_kmh=self.eta_helicopter_kmh,
            helicopter_overhead_min=self.eta_helicopter_overhead_min,
            helicopter_max_km=self.eta_helicopter_max_km,
            aircraft_overhead_min=self.eta_aircraft_overhead_min,
            aircraft_kmh=self.eta_aircraft_kmh,
        )


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning pydantic's report into one clear line per wrong variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as err:
        lines = []
        for problem in err.errors():
            if not problem["loc"]:  # a check across settings names them in its message
                error = problem.get("ctx", {}).get("error")
                lines.append(str(error) if error is not None else problem["msg"])
                continue
            name = "ATLASBOT_" + "_".join(str(part) for part in problem["loc"]).upper()
            lines.append(f"{name}: {problem['msg']}")
        raise SettingsError(_("invalid settings: {problems}", problems="; ".join(lines))) from None
