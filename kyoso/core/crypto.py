"""Secrets kept encrypted at rest (the TOTP seeds of two-factor), with keys derived from the secret key.

Each use has its own purpose string, and its Fernet key (AES-128-CBC with HMAC-SHA256, from
``cryptography``: not our own crypto) is derived with HKDF from ``SECRET_KEY`` and that purpose.
Rotation is Django's own: put the old key in ``SECRET_KEY_FALLBACKS`` (``KYOSO_SECRET_KEY_FALLBACKS``);
values written under it still decrypt, and are written under the current key the next time they are
saved. ``decrypt`` raises ``UndecryptableValue`` for a value no key opens; the model field reads such a
value as None (never as another value) and logs ``event=crypto.undecryptable``, so the row can still be
listed and deleted (an operator resets that member's two-factor).
"""

from __future__ import annotations

import base64
import functools
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

from kyoso.core.logs import log_event

logger = logging.getLogger("kyoso.core.crypto")


class UndecryptableValue(Exception):
    """No current or fallback key opens this value: the secret key changed without a fallback."""


@functools.lru_cache(maxsize=64)
def _fernet(secret_key: str, purpose: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"kyoso.core.crypto", info=purpose.encode()
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys(purpose: str) -> MultiFernet:
    """The current key first (it encrypts), then each fallback (they only decrypt)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key, purpose) for key in keys])


def encrypt(plain: str, *, purpose: str) -> str:
    return _keys(purpose).encrypt(plain.encode()).decode("ascii")


def decrypt(token: str, *, purpose: str) -> str:
    try:
        return _keys(purpose).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise UndecryptableValue(
            f"An encrypted value ({purpose}) opens with neither KYOSO_SECRET_KEY nor any key in "
            "KYOSO_SECRET_KEY_FALLBACKS: was the secret key changed without keeping the old one?"
        ) from None


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code reads and writes the plain value.

    The column can neither be searched nor compared in SQL: only its owner row is looked up.
    """

    def __init__(self, *args: Any, purpose: str, **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        try:
            return decrypt(value, purpose=self.purpose)
        except UndecryptableValue:
            log_event(logger, "crypto.undecryptable", level=logging.ERROR, purpose=self.purpose)
            return None

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value, purpose=self.purpose)
