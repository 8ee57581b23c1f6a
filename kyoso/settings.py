"""Django settings for kyoso, read from ``KYOSO_*`` variables (see kyoso/config.py and the README)."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from kyoso.config import (
    BASE_DIR,
    development_secret_key,
    read_environment,
    validate_production,
)
from kyoso.core.logs import LOG_LEVELS

env = read_environment()

KYOSO_ENV = env.str("KYOSO_ENV", "development").lower()
if KYOSO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"KYOSO_ENV={KYOSO_ENV!r} must be 'development' or 'production'.")
PRODUCTION = KYOSO_ENV == "production"

VAR_DIR = Path(env.str("KYOSO_VAR_DIR") or BASE_DIR / "var").resolve()

# Off unless asked for (KYOSO_DEBUG=on), in development too: a server error never shows a traceback.
DEBUG = env.bool("KYOSO_DEBUG", default=False)
SECRET_KEY = env.str("KYOSO_SECRET_KEY")
# Former keys, accepted while a key is rotated (signed links, sessions, encrypted TOTP seeds): README.
SECRET_KEY_FALLBACKS = env.list("KYOSO_SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env.list("KYOSO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("KYOSO_CSRF_TRUSTED_ORIGINS", [])

if PRODUCTION:
    validate_production(secret_key=SECRET_KEY, debug=DEBUG, allowed_hosts=ALLOWED_HOSTS)
elif not SECRET_KEY:
    SECRET_KEY = development_secret_key(VAR_DIR)

INSTALLED_APPS = [
    # Django's admin on kyoso's own site: operators with two-factor only (kyoso.web.admin_site).
    "kyoso.web.admin_site.KyosoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    # The Tasks API (backport of django.tasks) and its database backend: the queue `kyoso worker` runs.
    "django_tasks",
    "django_tasks_db",
    "kyoso.core",
    "kyoso.directory",
    "kyoso.accounts",
    "kyoso.chat",
    "kyoso.search",
    "kyoso.realtime",
    "kyoso.moderation",
    "kyoso.notify",
    "kyoso.web",
    "kyoso.api",
]
# Demo mode: `kyoso demo` builds the demo community (with sign-in accounts whose passwords it prints)
# only when KYOSO_DEMO is on; `dev.py start` turns it on for the processes it starts.
KYOSO_DEMO = env.bool("KYOSO_DEMO", default=False)
if PRODUCTION and KYOSO_DEMO:
    raise ImproperlyConfigured(
        "KYOSO_DEMO must be off in production (KYOSO_ENV=production): the demo creates accounts whose "
        "passwords are printed on the console."
    )
# The demo community and the benchmarks are development tools: a production install has neither
# app, so neither `kyoso demo` nor `kyoso bench` exists there.
DEVELOPMENT_APPS = ["kyoso.demo", "kyoso.bench"]
if not PRODUCTION:
    INSTALLED_APPS += DEVELOPMENT_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kyoso.web.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Django's, answering an unreadable multipart body 400 instead of a 500 (kyoso.core.middleware).
    "kyoso.core.middleware.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The same rules for /api/v1/, answered as JSON 401/403 instead of a redirect to a page.
    "kyoso.api.middleware.ApiSessionMiddleware",
    # Signs out members who are no longer active; holds back the rest until the second factor is done.
    "kyoso.accounts.middleware.MemberAccessMiddleware",
    # A MemberFacingError a page view did not catch: its own status and message, never a 500.
    "kyoso.core.middleware.MemberFacingErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "kyoso.urls"
ASGI_APPLICATION = "kyoso.asgi.application"
AUTH_USER_MODEL = "accounts.Member"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# Database: SQLite in WAL mode under var/ unless KYOSO_DATABASE_URL names another.
DEFAULT_SQLITE_PATH = VAR_DIR / "kyoso.sqlite3"
DATABASE_URL = env.str("KYOSO_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH.as_posix()}"
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
except ValueError as error:
    raise ImproperlyConfigured(f"KYOSO_DATABASE_URL is not a database URL we understand: {error}") from None


def _private_sqlite_files(*, connection: Any, **_kwargs: Any) -> None:
    """Each time kyoso opens its SQLite database: the database and its -wal and -shm files are narrowed
    to its own user (0600), however they were made. SQLite gives new -wal and -shm files the database's
    own mode, and var/ is made 0700, so no other user ever reads them."""
    if connection.vendor != "sqlite":
        return
    path = Path(connection.settings_dict["NAME"])
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        # In memory, gone, or not ours to change (or Windows, which ignores POSIX modes): nothing to do.
        with contextlib.suppress(OSError, ValueError):
            file.chmod(0o600)


connection_created.connect(_private_sqlite_files, dispatch_uid="kyoso.settings.private_sqlite_files")

if _database["ENGINE"] == "django.db.backends.sqlite3":
    Path(_database["NAME"]).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _database["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE avoids "database is locked" upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _database["ENGINE"] not in {"django.db.backends.postgresql"}:
    raise ImproperlyConfigured("KYOSO_DATABASE_URL must be sqlite:/// or postgres://.")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache, sessions and (later) rate limits and pub/sub: in process by default, Redis when configured.
REDIS_URL = env.str("KYOSO_REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "kyoso",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kyoso"}}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Japanese first, English available.
LANGUAGE_CODE = env.str("KYOSO_LANGUAGE", "ja")
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"KYOSO_LANGUAGE={LANGUAGE_CODE!r} must be 'ja' or 'en'.")
LOCALE_PATHS = [BASE_DIR / "kyoso" / "locale"]
TIME_ZONE = env.str("KYOSO_TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Media files are written whole or not at all; a full disk answers 507 (kyoso.core.storage).
STORAGES = {
    "default": {"BACKEND": "kyoso.core.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the apps' static folders: `kyoso serve` works without a collectstatic step.
WHITENOISE_USE_FINDERS = True
# In development, edited static files are served without a restart (whatever DEBUG is); production scans
# them once at start.
WHITENOISE_AUTOREFRESH = not PRODUCTION

# Security headers. The UI loads nothing from any other host: the CSP says so to the browser too.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_COOKIES = env.bool("KYOSO_SECURE_COOKIES", default=PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}


def _email_settings(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme in {"", "console"}:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme in {"smtp", "smtps", "smtp+tls"}:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        }
    raise ImproperlyConfigured(
        f"KYOSO_EMAIL_URL={url!r} must start with smtp://, smtps://, smtp+tls:// or console:."
    )


globals().update(_email_settings(env.str("KYOSO_EMAIL_URL", "console:")))
DEFAULT_FROM_EMAIL = env.str("KYOSO_DEFAULT_FROM_EMAIL", "kyoso@localhost")

# Background work (mail and, later, digests and re-indexing): a queue in the same database, run by
# `kyoso worker`, so no broker is needed. A mail is tried KYOSO_MAIL_MAX_ATTEMPTS times, waiting
# KYOSO_MAIL_RETRY_SECONDS, then twice as long each time; each SMTP operation waits at most
# KYOSO_MAIL_TIMEOUT_SECONDS. A worker writes a heartbeat every KYOSO_WORKER_HEARTBEAT_SECONDS; the
# tasks of one that missed three (killed, or its machine lost) are run again by another.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
KYOSO_MAIL_MAX_ATTEMPTS = env.int("KYOSO_MAIL_MAX_ATTEMPTS", 8, minimum=1)
KYOSO_MAIL_RETRY_SECONDS = env.int("KYOSO_MAIL_RETRY_SECONDS", 60, minimum=0)
KYOSO_MAIL_TIMEOUT_SECONDS = env.int("KYOSO_MAIL_TIMEOUT_SECONDS", 30, minimum=1)
# Sent and failed mails (and finished task results) are forgotten after this many days.
KYOSO_MAIL_KEEP_DAYS = env.int("KYOSO_MAIL_KEEP_DAYS", 30, minimum=1)
# A notification still unread (in every tab and device) this long after it was made is mailed.
KYOSO_NOTIFY_EMAIL_GRACE_MINUTES = env.int("KYOSO_NOTIFY_EMAIL_GRACE_MINUTES", 10, minimum=0)
KYOSO_NOTIFY_DIGEST_HOUR = min(env.int("KYOSO_NOTIFY_DIGEST_HOUR", 7, minimum=0), 23)
KYOSO_WORKER_HEARTBEAT_SECONDS = env.int("KYOSO_WORKER_HEARTBEAT_SECONDS", 10, minimum=1)

# Web Push to installed browsers (kyoso.notify.push): off unless both VAPID keys are set, so a closed
# network without a push service sends nothing anywhere. `kyoso push_keys` makes a pair offline. Push
# messages go only to the push services listed (browsers' own by default): the server never posts to
# an address a browser made up. KYOSO_PUSH_ALLOW_HTTP_ENDPOINTS is for tests (a local push service).
KYOSO_VAPID_PUBLIC_KEY = env.str("KYOSO_VAPID_PUBLIC_KEY")
KYOSO_VAPID_PRIVATE_KEY = env.str("KYOSO_VAPID_PRIVATE_KEY")
KYOSO_VAPID_PRIVATE_KEY_FILE = env.str("KYOSO_VAPID_PRIVATE_KEY_FILE")
KYOSO_VAPID_SUBJECT = env.str("KYOSO_VAPID_SUBJECT") or f"mailto:{DEFAULT_FROM_EMAIL}"
KYOSO_PUSH_SERVICE_HOSTS = env.list(
    "KYOSO_PUSH_SERVICE_HOSTS",
    ["fcm.googleapis.com", "updates.push.services.mozilla.com", "*.push.apple.com", "*.notify.windows.com"],
)
KYOSO_PUSH_ALLOW_HTTP_ENDPOINTS = False
if KYOSO_VAPID_PUBLIC_KEY or KYOSO_VAPID_PRIVATE_KEY or KYOSO_VAPID_PRIVATE_KEY_FILE:
    from kyoso.notify.vapid import check_settings as _check_vapid_settings

    _check_vapid_settings(
        public=KYOSO_VAPID_PUBLIC_KEY,
        private=KYOSO_VAPID_PRIVATE_KEY,
        private_file=KYOSO_VAPID_PRIVATE_KEY_FILE,
        subject=KYOSO_VAPID_SUBJECT,
    )

# Limits members can reach; each is a setting so an operator can tune it.
KYOSO_MESSAGE_MAX_LENGTH = env.int("KYOSO_MESSAGE_MAX_LENGTH", 10_000, minimum=1)
# Drawn message rows kept per process (kyoso.chat.row_cache): a few kilobytes each; 0 turns it off.
KYOSO_MESSAGE_ROW_CACHE = env.int("KYOSO_MESSAGE_ROW_CACHE", 5000, minimum=0)
# People in one group direct conversation, the opener included.
KYOSO_GROUP_DM_MAX_MEMBERS = env.int("KYOSO_GROUP_DM_MAX_MEMBERS", 8, minimum=2)
# Above this many members only moderators and operators may say @channel or @here.
KYOSO_CHANNEL_MENTION_MAX_MEMBERS = env.int("KYOSO_CHANNEL_MENTION_MAX_MEMBERS", 50, minimum=0)
KYOSO_MEMBERS_CREATE_STAMPS = env.bool("KYOSO_MEMBERS_CREATE_STAMPS", default=False)
KYOSO_STAMP_IMAGE_MAX_BYTES = env.int("KYOSO_STAMP_IMAGE_MAX_BYTES", 512 * 1024, minimum=1)
# Files attached to messages: the largest file, how many per message, and the most pixels an image
# may decode to (a small PNG can expand to gigabytes: a decompression bomb).
KYOSO_UPLOAD_MAX_BYTES = env.int("KYOSO_UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1)
KYOSO_UPLOAD_MAX_FILES = env.int("KYOSO_UPLOAD_MAX_FILES", 10, minimum=1)
KYOSO_UPLOAD_MAX_IMAGE_PIXELS = env.int("KYOSO_UPLOAD_MAX_IMAGE_PIXELS", 50_000_000, minimum=1)
# The most memory decoding one image for its thumbnail may take (JPEG decodes at a reduced scale, so a
# large photo stays well under it); and how many files one member may upload in an hour.
KYOSO_UPLOAD_MAX_DECODE_BYTES = env.int("KYOSO_UPLOAD_MAX_DECODE_BYTES", 64 * 1024 * 1024, minimum=1)
KYOSO_UPLOADS_PER_HOUR = env.int("KYOSO_UPLOADS_PER_HOUR", 200, minimum=1)
# Uploaded files and the folders made for them are readable by kyoso's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Uploads over 2.5 MB go to a temporary file, not memory; form fields (not files) stay small.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Membership: links in e-mails, approval, yearly reconfirmation and inactivity.
KYOSO_SITE_URL = env.str("KYOSO_SITE_URL", "http://127.0.0.1:8000")
KYOSO_LINK_MAX_AGE_HOURS = env.int("KYOSO_LINK_MAX_AGE_HOURS", 24, minimum=1)
KYOSO_REQUIRE_APPROVAL = env.bool("KYOSO_REQUIRE_APPROVAL", default=False)
KYOSO_TERMS_VERSION = "2026-11"
# Sign-in protection: failures before a lockout, its length, and request budgets per hour.
KYOSO_SIGN_IN_MAX_FAILURES = env.int("KYOSO_SIGN_IN_MAX_FAILURES", 5, minimum=1)
KYOSO_SIGN_IN_LOCKOUT_MINUTES = env.int("KYOSO_SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1)
# One office often shares one address to the outside: allow it many more failures than one member.
KYOSO_SIGN_IN_FAILURES_PER_IP = env.int(
    "KYOSO_SIGN_IN_FAILURES_PER_IP", KYOSO_SIGN_IN_MAX_FAILURES * 10, minimum=1
)
# One address from every client together: high, so a stranger cannot lock a member out, and the
# member's own browser (a known device) and sign-in links are never held back by it.
KYOSO_SIGN_IN_FAILURES_PER_ADDRESS = env.int(
    "KYOSO_SIGN_IN_FAILURES_PER_ADDRESS", KYOSO_SIGN_IN_MAX_FAILURES * 10, minimum=1
)
# How long a sign-in (or the password or a code asked again) lets a member change their password,
# address or two-factor without being asked once more.
KYOSO_REAUTH_MINUTES = env.int("KYOSO_REAUTH_MINUTES", 10, minimum=1)
# Wrong API tokens from one client address before its token attempts are refused for a while.
KYOSO_API_TOKEN_FAILURES_PER_IP = env.int(
    "KYOSO_API_TOKEN_FAILURES_PER_IP", KYOSO_SIGN_IN_FAILURES_PER_IP, minimum=1
)
KYOSO_LINK_REQUESTS_PER_HOUR = env.int("KYOSO_LINK_REQUESTS_PER_HOUR", 5, minimum=1)
KYOSO_REGISTRATIONS_PER_HOUR = env.int("KYOSO_REGISTRATIONS_PER_HOUR", 10, minimum=1)
# Yearly reconfirmation (staff rotate on 1 April) and inactivity.
KYOSO_RECONFIRM_DATE = env.str("KYOSO_RECONFIRM_DATE", "04-01")
try:
    _month, _day = (int(part) for part in KYOSO_RECONFIRM_DATE.split("-"))
    date(2024, _month, _day)  # a leap year, so 02-29 is accepted
    KYOSO_RECONFIRM_MONTH_DAY = (_month, _day)
except ValueError:
    raise ImproperlyConfigured(
        f"KYOSO_RECONFIRM_DATE={KYOSO_RECONFIRM_DATE!r} must be MM-DD, e.g. 04-01."
    ) from None
KYOSO_RECONFIRM_GRACE_DAYS = env.int("KYOSO_RECONFIRM_GRACE_DAYS", 30, minimum=1)
KYOSO_INACTIVE_MONTHS = env.int("KYOSO_INACTIVE_MONTHS", 12, minimum=1)
KYOSO_INACTIVE_WARNING_DAYS = env.int("KYOSO_INACTIVE_WARNING_DAYS", 30, minimum=1)
# The e-mail outbox page is for the embedded demo only: it shows every link kyoso sends.
KYOSO_OUTBOX = env.bool("KYOSO_OUTBOX", default=not PRODUCTION)
if PRODUCTION and KYOSO_OUTBOX:
    raise ImproperlyConfigured("KYOSO_OUTBOX must be off in production: it shows every e-mail kyoso sends.")

# Real time (kyoso.realtime): frames queued for one slow socket before it is dropped (its client
# catches up on reconnect); missed messages sent per channel on reconnect before the page is told to
# reload it; the least seconds between two 入力中 notices of one socket in one channel; and per-message
# compression of WebSocket frames (off: measured by `kyoso bench fanout`, it costs more than it saves).
KYOSO_WS_SEND_BUFFER = env.int("KYOSO_WS_SEND_BUFFER", 256, minimum=1)
KYOSO_WS_CATCHUP_LIMIT = env.int("KYOSO_WS_CATCHUP_LIMIT", 200, minimum=1)
KYOSO_WS_TYPING_INTERVAL = env.int("KYOSO_WS_TYPING_INTERVAL", 2, minimum=0)
KYOSO_WS_COMPRESSION = env.bool("KYOSO_WS_COMPRESSION", default=False)
KYOSO_WS_MAX_SOCKETS_PER_MEMBER = env.int("KYOSO_WS_MAX_SOCKETS_PER_MEMBER", 20, minimum=1)

# Search: results per page; how many of the newest matches are counted, ranked by relevance and
# broken down into facets; the longest query; okurigana folding (申込 = 申し込み) unless unticked.
KYOSO_SEARCH_PAGE_SIZE = env.int("KYOSO_SEARCH_PAGE_SIZE", 20, minimum=1)
KYOSO_SEARCH_WINDOW = env.int("KYOSO_SEARCH_WINDOW", 1000, minimum=1)
KYOSO_SEARCH_QUERY_MAX_LENGTH = env.int("KYOSO_SEARCH_QUERY_MAX_LENGTH", 500, minimum=1)
KYOSO_SEARCH_OKURIGANA = env.bool("KYOSO_SEARCH_OKURIGANA", default=True)

KYOSO_HOST = env.str("KYOSO_HOST", "127.0.0.1")
KYOSO_PORT = env.int("KYOSO_PORT", 8000, minimum=1)
KYOSO_WORKERS = env.int("KYOSO_WORKERS", 1, minimum=1)
KYOSO_UNKNOWN_SETTINGS = env.unknown

# Logs go to stderr, one line each: ISO time in Japan time, level, logger, message. Operator events
# (approvals, lock-outs, mail failures…) are ``event=<name> key=value`` lines: README, Logging.
KYOSO_LOG_LEVEL = env.str("KYOSO_LOG_LEVEL", "INFO").upper()
if KYOSO_LOG_LEVEL not in LOG_LEVELS:
    raise ImproperlyConfigured(f"KYOSO_LOG_LEVEL={KYOSO_LOG_LEVEL!r} must be one of {', '.join(LOG_LEVELS)}.")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"kyoso": {"()": "kyoso.core.logs.JSTFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "kyoso"}},  # stderr
    "loggers": {
        "kyoso": {"handlers": ["console"], "level": KYOSO_LOG_LEVEL},
        # Errors of requests (a 500's traceback) are logged in production too, not only with DEBUG.
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}
