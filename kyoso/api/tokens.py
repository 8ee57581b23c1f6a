"""The shape of a personal access token: ``kyoso_pat_`` and 43 random URL-safe characters.

The fixed start lets secret scanners (and people) recognise a leaked kyoso token.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "kyoso_pat_"  # noqa: S105 - the public start of every token, not a secret
SECRET_BYTES = 32
# How much of a token is kept in clear for display: the fixed start and 8 random characters.
SHOWN_CHARACTERS = len(TOKEN_PREFIX) + 8


def new_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def shown_part(secret: str) -> str:
    return secret[:SHOWN_CHARACTERS]


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and len(value) > len(TOKEN_PREFIX)
