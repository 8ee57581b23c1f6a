"""Configuration from ``KYOSO_*`` environment variables.

Every setting kyoso reads is declared once in ``SETTINGS`` below, with its default and a one-line
description; the README's settings table is checked against this list by a test. Production mode
refuses to start with an unsafe value and names the setting at fault.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# A development key is made on first start and kept under var/, so sessions survive restarts
# without anyone having to invent a secret on a laptop.
SECRET_KEY_FILE_NAME = "secret_key"  # noqa: S105 - a file name, not a secret
MIN_SECRET_KEY_LENGTH = 50


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    description: str


SETTINGS: tuple[Setting, ...] = (
    Setting("KYOSO_ENV", "development", "`development` or `production`. Production refuses unsafe settings."),
    Setting(
        "KYOSO_DEBUG", "off", "Django's DEBUG (tracebacks in error pages): development only, on request."
    ),
    Setting("KYOSO_SECRET_KEY", "generated into `var/secret_key`", "Signing key; required in production."),
    Setting(
        "KYOSO_SECRET_KEY_FALLBACKS",
        "(none)",
        "Comma-separated former secret keys, still accepted while a key is rotated.",
    ),
    Setting(
        "KYOSO_ALLOWED_HOSTS", "`127.0.0.1,localhost` in development", "Comma-separated host names served."
    ),
    Setting(
        "KYOSO_CSRF_TRUSTED_ORIGINS", "(none)", "Comma-separated origins, e.g. `https://kyoso.example.lg.jp`."
    ),
    Setting(
        "KYOSO_VAR_DIR", "`var/` in the project", "Where the SQLite database, media and the dev key live."
    ),
    Setting(
        "KYOSO_DATABASE_URL", "`sqlite:///var/kyoso.sqlite3`", "Database URL; `postgres://...` scales out."
    ),
    Setting("KYOSO_REDIS_URL", "(none: in-process)", "Redis for cache, rate limits and pub/sub."),
    Setting(
        "KYOSO_WS_SEND_BUFFER",
        "`256`",
        "Frames queued for one slow WebSocket client before it is dropped (it catches up on reconnect).",
    ),
    Setting(
        "KYOSO_WS_CATCHUP_LIMIT",
        "`200`",
        "Missed changes (posts, edits, deletions, pins, stamps) replayed per channel when a client "
        "reconnects; past it the page reloads the channel.",
    ),
    Setting(
        "KYOSO_WS_TYPING_INTERVAL",
        "`2`",
        "Least seconds between two 入力中 notices of one client in a channel.",
    ),
    Setting(
        "KYOSO_WS_COMPRESSION",
        "off",
        "Per-message compression of WebSocket frames (costs CPU on every frame).",
    ),
    Setting(
        "KYOSO_WS_MAX_SOCKETS_PER_MEMBER",
        "`20`",
        "Open WebSockets of one member (across processes with Redis); one more closes their oldest (4429).",
    ),
    Setting("KYOSO_HOST", "`127.0.0.1`", "Address `kyoso serve` binds to."),
    Setting("KYOSO_PORT", "`8000`", "Port `kyoso serve` listens on."),
    Setting("KYOSO_WORKERS", "`1`", "Worker processes started by one `kyoso serve`."),
    Setting("KYOSO_LANGUAGE", "`ja`", "Default language of the interface (`ja` or `en`)."),
    Setting("KYOSO_TIME_ZONE", "`Asia/Tokyo`", "Time zone for dates shown to members."),
    Setting("KYOSO_SECURE_COOKIES", "off in development, on in production", "Send cookies over HTTPS only."),
    Setting("KYOSO_EMAIL_URL", "`console:`", "Outgoing mail: `smtp://user:pass@host:port` or `console:`."),
    Setting("KYOSO_DEFAULT_FROM_EMAIL", "`kyoso@localhost`", "Sender address of kyoso's e-mails."),
    Setting(
        "KYOSO_MAIL_MAX_ATTEMPTS",
        "`8`",
        "Tries of one e-mail before it is marked failed (送信失敗) for operators to see in the admin.",
    ),
    Setting(
        "KYOSO_MAIL_RETRY_SECONDS",
        "`60`",
        "Wait before the second try of an e-mail; each later wait is twice the one before.",
    ),
    Setting("KYOSO_MAIL_TIMEOUT_SECONDS", "`30`", "Longest wait for the SMTP server in one step of a send."),
    Setting(
        "KYOSO_MAIL_KEEP_DAYS",
        "`30`",
        "Days a sent or failed e-mail (without its body) and a finished task stay in the admin.",
    ),
    Setting(
        "KYOSO_NOTIFY_EMAIL_GRACE_MINUTES",
        "`10`",
        "Minutes a mention, DM or followed-thread reply stays unread before it is mailed.",
    ),
    Setting(
        "KYOSO_NOTIFY_DIGEST_HOUR",
        "`7`",
        "Hour of the day (日本時間, 0–23) at which daily and weekly digests are sent.",
    ),
    Setting(
        "KYOSO_VAPID_PUBLIC_KEY",
        "(none: no Web Push)",
        "Web Push public key (base64url); with the private key it turns push to installed browsers on.",
    ),
    Setting(
        "KYOSO_VAPID_PRIVATE_KEY",
        "(none: no Web Push)",
        "Web Push private key (base64url, from `kyoso push_keys`); or use `KYOSO_VAPID_PRIVATE_KEY_FILE`.",
    ),
    Setting(
        "KYOSO_VAPID_PRIVATE_KEY_FILE",
        "(none)",
        "Path of a PEM file holding the Web Push private key, instead of `KYOSO_VAPID_PRIVATE_KEY`.",
    ),
    Setting(
        "KYOSO_VAPID_SUBJECT",
        "`mailto:` + `KYOSO_DEFAULT_FROM_EMAIL`",
        "The operator's contact given to push services: a `mailto:` address or an `https://` URL.",
    ),
    Setting(
        "KYOSO_PUSH_SERVICE_HOSTS",
        "the browsers' push services",
        "Comma-separated hosts (`*.` for subdomains) that Web Push messages may be sent to.",
    ),
    Setting(
        "KYOSO_WORKER_HEARTBEAT_SECONDS",
        "`10`",
        "How often `kyoso worker` reports alive; the tasks of one silent for three beats are run again.",
    ),
    Setting("KYOSO_MESSAGE_MAX_LENGTH", "`10000`", "Longest message, in characters."),
    Setting(
        "KYOSO_MESSAGE_ROW_CACHE",
        "`5000`",
        "Drawn message rows each server process keeps for reuse (a minute at most); `0` draws every time.",
    ),
    Setting(
        "KYOSO_GROUP_DM_MAX_MEMBERS", "`8`", "Most people in a group direct message, the opener included."
    ),
    Setting(
        "KYOSO_CHANNEL_MENTION_MAX_MEMBERS",
        "`50`",
        "Above this many members, only moderators and operators may use @channel and @here.",
    ),
    Setting(
        "KYOSO_MEMBERS_CREATE_STAMPS", "off", "Let every member create custom stamps, not only operators."
    ),
    Setting(
        "KYOSO_STAMP_IMAGE_MAX_BYTES",
        "`524288` (512 KB)",
        "Largest picture for a custom stamp, in bytes (PNG, JPEG, GIF or WebP; shown at 64 px).",
    ),
    Setting("KYOSO_UPLOAD_MAX_BYTES", "`20971520` (20 MB)", "Largest file a member may attach, in bytes."),
    Setting("KYOSO_UPLOAD_MAX_FILES", "`10`", "Most files attached to one message."),
    Setting(
        "KYOSO_UPLOAD_MAX_IMAGE_PIXELS",
        "`50000000`",
        "Most pixels an attached image may have (protects against decompression bombs).",
    ),
    Setting(
        "KYOSO_UPLOAD_MAX_DECODE_BYTES",
        "`67108864` (64 MB)",
        "Most memory decoding one attached image may take, judged from its header before decoding.",
    ),
    Setting("KYOSO_UPLOADS_PER_HOUR", "`200`", "Files one member may upload in an hour (then 429)."),
    Setting("KYOSO_SEARCH_PAGE_SIZE", "`20`", "Search results per page."),
    Setting(
        "KYOSO_SEARCH_WINDOW",
        "`1000`",
        "How many of the newest matches a search counts, ranks by relevance and breaks down into facets.",
    ),
    Setting("KYOSO_SEARCH_QUERY_MAX_LENGTH", "`500`", "Longest search query, in characters."),
    Setting(
        "KYOSO_SEARCH_OKURIGANA",
        "on",
        "Search finds okurigana variants too (申込 = 申し込み) unless unticked.",
    ),
    Setting("KYOSO_LOG_LEVEL", "`INFO`", "Log level of the `kyoso` loggers."),
    Setting(
        "KYOSO_SITE_URL",
        "`http://127.0.0.1:8000`",
        "The address members use; links in e-mails start with it, and in production the live connection"
        " (`/ws/`) accepts pages from this origin and `KYOSO_CSRF_TRUSTED_ORIGINS` only. In development,"
        " left unset, it is the address `kyoso serve` listens on (`--host`, `--port`).",
    ),
    Setting("KYOSO_LINK_MAX_AGE_HOURS", "`24`", "How long a one-time e-mail link stays valid."),
    Setting("KYOSO_REQUIRE_APPROVAL", "off", "Send every application to operators, even a matching domain."),
    Setting(
        "KYOSO_SIGN_IN_MAX_FAILURES",
        "`5`",
        "Failed sign-ins (password or code) for one address from one client before that pair is locked.",
    ),
    Setting("KYOSO_SIGN_IN_LOCKOUT_MINUTES", "`15`", "The sliding window that sign-in failures count in."),
    Setting(
        "KYOSO_SIGN_IN_FAILURES_PER_IP",
        "10 × `KYOSO_SIGN_IN_MAX_FAILURES`",
        "Failed sign-ins from one client address, any member, before it is locked for a while.",
    ),
    Setting(
        "KYOSO_SIGN_IN_FAILURES_PER_ADDRESS",
        "10 × `KYOSO_SIGN_IN_MAX_FAILURES`",
        "Failed sign-ins for one address from all clients before unknown clients are held back.",
    ),
    Setting(
        "KYOSO_REAUTH_MINUTES",
        "`10`",
        "Minutes after a sign-in (or re-entering the password or a code) in which a member may change"
        " their e-mail address or two-factor without being asked again.",
    ),
    Setting(
        "KYOSO_LINK_REQUESTS_PER_HOUR",
        "`5`",
        "Sign-in links one address (or one client) may request per hour.",
    ),
    Setting("KYOSO_REGISTRATIONS_PER_HOUR", "`10`", "Applications one client may send per hour."),
    Setting(
        "KYOSO_API_TOKEN_FAILURES_PER_IP",
        "`KYOSO_SIGN_IN_FAILURES_PER_IP`",
        "Wrong API tokens from one client address before its token attempts are refused for a while.",
    ),
    Setting(
        "KYOSO_OUTBOX", "on in development, off in production", "Keep sent e-mails in an outbox page (demo)."
    ),
    Setting(
        "KYOSO_DEMO",
        "off (`dev.py start` turns it on)",
        "Demo mode: lets `kyoso demo` build the demo community and its sign-in accounts. Not in production.",
    ),
)

KNOWN_NAMES = frozenset(s.name for s in SETTINGS)


class Environment:
    """Typed access to the ``KYOSO_*`` variables, with errors that name the variable."""

    def __init__(self, values: Mapping[str, str]):
        self.values = values
        unknown = sorted(k for k in values if k.startswith("KYOSO_") and k not in KNOWN_NAMES)
        # Test and tooling variables share the prefix; only warn-worthy names are checked here.
        self.unknown = [k for k in unknown if not k.startswith(("KYOSO_TEST_", "KYOSO_REQUIRE_"))]

    def str(self, name: str, default: str = "") -> str:
        return self.values.get(name, default).strip()

    # The methods below shadow the builtins in the class body: their signatures name them via ``builtins``.
    def bool(self, name: builtins.str, default: builtins.bool) -> builtins.bool:
        raw = self.str(name)
        if not raw:
            return default
        lowered = raw.lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use on/off, true/false or 1/0.")

    def int(self, name: builtins.str, default: builtins.int, minimum: builtins.int = 0) -> builtins.int:
        raw = self.str(name)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
        if value < minimum:
            raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}.")
        return value

    def list(self, name: builtins.str, default: builtins.list[builtins.str]) -> builtins.list[builtins.str]:
        raw = self.str(name)
        if not raw:
            return list(default)
        return [item.strip() for item in raw.split(",") if item.strip()]


def load_dotenv_file(base_dir: Path = BASE_DIR) -> None:
    """Read an optional ``.env`` beside the project; real environment variables win."""
    env_file = base_dir / ".env"
    if env_file.is_file():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)


def development_secret_key(var_dir: Path) -> str:
    key_file = var_dir / SECRET_KEY_FILE_NAME
    if key_file.is_file():
        return key_file.read_text(encoding="utf-8").strip()
    var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # var/ is for kyoso's own user only
    key = secrets.token_urlsafe(64)
    key_file.write_text(key, encoding="utf-8")
    # Windows file systems ignore POSIX modes; the key still works there.
    with contextlib.suppress(OSError):
        key_file.chmod(0o600)
    return key


def validate_production(*, secret_key: str, debug: bool, allowed_hosts: list[str]) -> None:
    """Refuse an unsafe production configuration, naming the setting that is wrong."""
    if not secret_key:
        raise ImproperlyConfigured("KYOSO_SECRET_KEY must be set in production (KYOSO_ENV=production).")
    if len(secret_key) < MIN_SECRET_KEY_LENGTH or len(set(secret_key)) < 5:
        raise ImproperlyConfigured(
            f"KYOSO_SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters."
        )
    if debug:
        raise ImproperlyConfigured("KYOSO_DEBUG must be off in production (KYOSO_ENV=production).")
    if not allowed_hosts:
        raise ImproperlyConfigured("KYOSO_ALLOWED_HOSTS must name the host(s) served in production.")
    if "*" in allowed_hosts:
        raise ImproperlyConfigured("KYOSO_ALLOWED_HOSTS must not be '*' in production: name the hosts.")


def read_environment() -> Environment:
    load_dotenv_file()
    return Environment(os.environ)
