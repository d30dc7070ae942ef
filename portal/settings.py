"""Settings: one frozen, typed object built from ``SCHRIFTJE_*`` environment variables.

Every variable has a safe embedded default and a one-line help text; with no
configuration at all Schriftje runs embedded (SQLite file, local media folder,
in-process queue and broker). ``Settings.from_env()`` is the only place that
reads ``os.environ``; ``create_app(settings)`` receives the result. Secrets are
masked in ``repr``. ``SETTINGS`` is the documented list the README table is
checked against.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from portal.private_files import private_dir

PREFIX = "SCHRIFTJE_"


class SettingsError(Exception):
    """A setting has a value Schriftje cannot use; the message names the variable."""


def _setting(default: Any, help: str, *, secret: bool = False) -> Any:
    return field(default=default, metadata={"help": help, "secret": secret})


@dataclass(frozen=True)
class Settings:
    data_dir: str = _setting(
        "var",
        "Folder for embedded data: SQLite file, media, outbox, generated secret key.",
    )
    database_url: str = _setting(
        "",
        "SQLAlchemy async URL (postgresql+asyncpg://… or sqlite+aiosqlite://…). Empty: SQLite in DATA_DIR.",
    )
    database_schema: str = _setting("", "PostgreSQL schema for all tables (search_path). Empty: the default schema.")
    database_pool_size: int = _setting(
        20,
        "PostgreSQL connections each process keeps open; a burst beyond them opens up to as many again,"
        " each closed after one use (slow), so size it for a busy moment's concurrent requests.",
    )
    redis_url: str = _setting(
        "",
        "Redis URL for queue, pub/sub and rate limits. Empty: in-process queue and broker.",
    )
    redis_prefix: str = _setting("schriftje", "Prefix for every Redis key and the arq queue name.")
    storage: str = _setting("local", "Where media is stored: 'local' (MEDIA_DIR) or 's3'.")
    media_dir: str = _setting("", "Folder for media with STORAGE=local. Empty: DATA_DIR/media.")
    s3_endpoint_url: str = _setting("", "S3 endpoint (MinIO, moto, …). Empty: AWS default endpoint.")
    s3_bucket: str = _setting("schriftje", "Private S3 bucket for all media.")
    s3_access_key_id: str = _setting("", "S3 access key id.")
    s3_secret_access_key: str = _setting("", "S3 secret access key.", secret=True)
    s3_region: str = _setting("us-east-1", "S3 region.")
    smtp_host: str = _setting("", "SMTP server. Empty: e-mail is written to OUTBOX_DIR instead of sent.")
    smtp_port: int = _setting(587, "SMTP port.")
    smtp_username: str = _setting("", "SMTP user name.")
    smtp_password: str = _setting("", "SMTP password.", secret=True)
    smtp_starttls: bool = _setting(True, "Use STARTTLS on the SMTP connection.")
    mail_from: str = _setting("Schriftje <no-reply@localhost>", "Sender address of every e-mail.")
    outbox_dir: str = _setting(
        "",
        "Folder that receives e-mail when no SMTP_HOST is set. Empty: DATA_DIR/outbox.",
    )
    secret_key: str = _setting(
        "",
        "Key for signed tokens and CSRF. Required outside embedded mode; embedded generates one.",
        secret=True,
    )
    public_url: str = _setting(
        "http://127.0.0.1:8000",
        "Base URL people use; its host is the base for org subdomains.",
    )
    default_org: str = _setting(
        "",
        "Organisation slug used when the Host has no subdomain (localhost, single-tenant).",
    )
    language: str = _setting("nl", "Default language for pages and e-mail: 'nl' or 'en'.")
    activation_token_hours: int = _setting(72, "How long an activation link stays valid, in hours.")
    reset_token_minutes: int = _setting(60, "How long a password-reset link stays valid, in minutes.")
    session_days: int = _setting(30, "How long a browser session lasts without use, in days.")
    token_days: int = _setting(90, "How long an app token (bearer) lasts without use, in days; each use extends it.")
    leaving_window_days: int = _setting(90, "Default read-only window after a child leaves, for new organisations.")
    upload_max_bytes: int = _setting(50 * 1024 * 1024, "Largest accepted upload, in bytes.")
    upload_max_pixels: int = _setting(100_000_000, "Largest accepted image, in pixels (width x height).")
    upload_max_files: int = _setting(50, "Most photos in one upload batch.")
    upload_stall_seconds: int = _setting(30, "An upload whose body sends nothing for this long is ended (408).")
    photo_seconds: int = _setting(
        10, "Longest one photo may take to decode and render before it fails as damaged (its slot is then free)."
    )
    originals_keep_days: int = _setting(
        30, "How long a photo's original is kept for adding masks later; untagged and failed photos keep none."
    )
    photo_memory_mb: int = _setting(2048, "Address-space limit of the process that decodes photos, in MB.")
    photo_processes: int = _setting(1, "Photo-decoding child processes per worker (photos processed at once).")
    clip_max_bytes: int = _setting(
        500 * 1024 * 1024, "Largest accepted video clip, in bytes (an organisation may set less, never more)."
    )
    clip_max_seconds: int = _setting(
        90, "Longest accepted video clip, in seconds (an organisation may set less, never more)."
    )
    clip_transcode_seconds: int = _setting(
        300, "Longest one clip may take to transcode before it fails (its worker slot is then free)."
    )
    clip_memory_mb: int = _setting(3072, "Address-space limit of the process that transcodes clips, in MB.")
    login_max_failures: int = _setting(5, "Failed logins per account within LOGIN_WINDOW_SECONDS before a pause.")
    login_max_attempts_per_ip: int = _setting(30, "Login attempts per client IP within LOGIN_WINDOW_SECONDS.")
    login_window_seconds: int = _setting(900, "Window for the login rate limits, in seconds.")
    metrics_token: str = _setting("", "If set, /metrics requires 'Authorization: Bearer <token>'.", secret=True)
    host: str = _setting("127.0.0.1", "Interface 'schriftje serve' and 'schriftje demo' listen on.")
    port: int = _setting(8000, "Port 'schriftje serve' and 'schriftje demo' listen on.")
    forwarded_allow_ips: str = _setting(
        "127.0.0.1",
        "The proxies whose X-Forwarded-For/-Proto are trusted (uvicorn); from anyone else they are ignored. "
        "Never `*` when the app port is reachable.",
    )
    vapid_private_key: str = _setting(
        "",
        "Web Push (VAPID) private key, PEM or raw base64url. Empty: generated once in DATA_DIR (embedded),"
        " otherwise derived from SECRET_KEY. `schriftje settings` shows the public key.",
        secret=True,
    )
    push_contact: str = _setting(
        "", "Contact push services may use (mailto: or https://host). Empty: mailto: the MAIL_FROM address."
    )
    push_services: str = _setting(
        "fcm.googleapis.com,*.push.services.mozilla.com,*.push.apple.com,*.notify.windows.com",
        "Push services a browser's subscription may point at (comma-separated hosts, `*.` for subdomains);"
        " Schriftje sends to no other host.",
    )
    push_concurrency: int = _setting(100, "Pushes a worker sends at once.")
    push_batch_seconds: int = _setting(
        10, "Photos shared within this many seconds of the first are announced in one notification."
    )
    log_level: str = _setting("INFO", "Log level: DEBUG, INFO, WARNING, ERROR.")

    # ---- construction -------------------------------------------------------------

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``SCHRIFTJE_*`` variables; unknown ones are an error."""
        env = os.environ if environ is None else environ
        known = {env_name(f.name) for f in dataclasses.fields(cls)}
        unknown = sorted(k for k in env if k.startswith(PREFIX) and k not in known)
        if unknown:
            raise SettingsError(f"Unknown setting(s): {', '.join(unknown)}. See the settings table in README.md.")
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(env_name(f.name))
            if raw is not None:
                values[f.name] = _convert(f, raw)
        settings = cls(**values).resolved()
        if not settings.is_embedded and env_name("public_url") not in env:
            raise SettingsError(
                "SCHRIFTJE_PUBLIC_URL is required when PostgreSQL, Redis or S3 is configured: the links in "
                "e-mails use it (e.g. https://schriftje.example.nl)."
            )
        return settings

    def resolved(self) -> Settings:
        """Fill derived defaults, check consistency, and provide the embedded secret."""
        data = Path(self.data_dir)
        changes: dict[str, Any] = {}
        if not self.database_url:
            changes["database_url"] = f"sqlite+aiosqlite:///{data / 'schriftje.sqlite3'}"
        if not self.media_dir:
            changes["media_dir"] = str(data / "media")
        if not self.outbox_dir:
            changes["outbox_dir"] = str(data / "outbox")
        result = dataclasses.replace(self, **changes)
        result._validate()
        if not result.secret_key:
            if not result.is_embedded:
                raise SettingsError(
                    "SCHRIFTJE_SECRET_KEY is required when PostgreSQL, Redis or S3 is configured. "
                    "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
                )
            result = dataclasses.replace(result, secret_key=_embedded_secret(data))
        return result

    def _validate(self) -> None:
        if self.storage not in ("local", "s3"):
            raise SettingsError(f"SCHRIFTJE_STORAGE must be 'local' or 's3', not {self.storage!r}.")
        if self.language not in ("nl", "en"):
            raise SettingsError(f"SCHRIFTJE_LANGUAGE must be 'nl' or 'en', not {self.language!r}.")
        if not self.database_url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise SettingsError("SCHRIFTJE_DATABASE_URL must start with sqlite+aiosqlite:// or postgresql+asyncpg://.")
        url = urlsplit(self.public_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise SettingsError(f"SCHRIFTJE_PUBLIC_URL must be an http(s) URL, not {self.public_url!r}.")
        if self.database_schema and not self.database_schema.replace("_", "").isalnum():
            raise SettingsError("SCHRIFTJE_DATABASE_SCHEMA may contain letters, digits and '_' only.")
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError("SCHRIFTJE_REDIS_URL must start with redis://, rediss:// or unix://.")

    # ---- derived facts ---------------------------------------------------------------

    @property
    def is_embedded(self) -> bool:
        """True when nothing outside this process is configured."""
        return self.database_url.startswith("sqlite") and not self.redis_url and self.storage == "local"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    @property
    def https(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def base_host(self) -> str:
        """Host under which organisations live as subdomains (``kober.<base_host>``)."""
        host = urlsplit(self.public_url).hostname or "localhost"
        return "localhost" if host in ("127.0.0.1", "::1") else host

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("secret") and value:
                value = "***"
            elif f.name in ("database_url", "redis_url"):
                value = _mask_url(str(value))
            parts.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(parts)})"


SETTINGS: tuple[dataclasses.Field[Any], ...] = dataclasses.fields(Settings)


def env_name(field_name: str) -> str:
    return PREFIX + field_name.upper()


def _convert(f: dataclasses.Field[Any], raw: str) -> Any:
    name = env_name(f.name)
    default: object = f.default
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(f"{name} must be true or false, not {raw!r}.")
    if isinstance(default, int):
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
        if value < 0:
            raise SettingsError(f"{name} must not be negative.")
        return value
    return raw.strip()


def _mask_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _embedded_secret(data_dir: Path) -> str:
    """The embedded install keeps a generated key in DATA_DIR so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    private_dir(data_dir)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
