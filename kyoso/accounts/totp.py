"""Time-based one-time passwords (二段階認証) and recovery codes.

pyotp does the RFC 6238 arithmetic; segno draws the otpauth URI as an inline SVG QR code, so the
enrolment page works in a closed network with no image service.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
import unicodedata

import pyotp
import segno
from django.conf import settings

ISSUER = "kyoso"
INTERVAL_SECONDS = 30
# Codes one step either side are accepted: office PCs' clocks drift, and people type slowly.
VALID_WINDOW_STEPS = 1
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_BYTES = 5  # 10 hex digits, shown as xxxxx-xxxxx


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret, interval=INTERVAL_SECONDS).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG (no XML declaration), for the enrolment page."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, scale=4, border=2, svgns=True)
    return out.getvalue().decode()


def matching_step(secret: str | None, code: str, *, after_step: int, at: float | None = None) -> int | None:
    """The time step a code belongs to, if it is valid now and later than ``after_step``.

    Returning the step lets the caller store it, so the same code (or an older one) is never
    accepted twice, even within its 30 seconds. A seed that could not be read (None: encrypted under a
    secret key no longer configured, see kyoso.core.crypto) accepts no code.
    """
    if not secret:
        return None
    # Japanese input methods often type full-width digits (１２３４５６); NFKC makes them ASCII.
    code = "".join(unicodedata.normalize("NFKC", code).split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL_SECONDS)
    now_step = int((time.time() if at is None else at) // INTERVAL_SECONDS)
    for step in range(now_step - VALID_WINDOW_STEPS, now_step + VALID_WINDOW_STEPS + 1):
        if step > after_step and hmac.compare_digest(totp.at(step * INTERVAL_SECONDS), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(RECOVERY_CODE_BYTES)
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_digest(code: str, *, key: str | None = None) -> str:
    """Keyed digest of a recovery code, ignoring case, spaces and hyphens as people type them."""
    normal = "".join(ch for ch in unicodedata.normalize("NFKC", code).lower() if ch.isalnum())
    return hmac.new((key or settings.SECRET_KEY).encode(), normal.encode(), hashlib.sha256).hexdigest()


def recovery_digests(code: str) -> list[str]:
    """The code's digest under the secret key and each fallback key: codes given before a key
    rotation (KYOSO_SECRET_KEY_FALLBACKS) keep working until the old key is dropped."""
    return [recovery_digest(code, key=key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]
