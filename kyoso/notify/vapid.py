"""The server's VAPID key pair (RFC 8292) for Web Push: reading it from the settings, and making one.

Kept free of models and of Django's app registry, so ``kyoso/settings.py`` can check the keys when the
server starts and name the setting at fault, rather than fail at the first notification.

Keys are P-256. The public key is the base64url of its uncompressed point (what a browser's
``applicationServerKey`` takes); the private key is the base64url of its 32-byte number, or a PEM
file (``KYOSO_VAPID_PRIVATE_KEY_FILE``, e.g. one made by ``kyoso push_keys --file`` or py_vapid's
``vapid --gen``).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ImproperlyConfigured

PRIVATE_KEY_BYTES = 32
PUBLIC_KEY_BYTES = 65  # 0x04, then x and y of 32 bytes each
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
# What push services accept as the operator's contact (RFC 8292, section 2.1).
_SUBJECT = re.compile(r"^(mailto:[^@\s]+@[^@\s]+\.[^@\s]+|https://[^\s/]+\.[^\s]+)$", re.IGNORECASE)


def b64url_decode(text: str) -> bytes:
    """Strict base64url (padding optional): raises ValueError on any other character."""
    if not _BASE64URL.match(text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64url") from error


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_key_text(private_key: ec.EllipticCurvePrivateKey) -> str:
    point = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url_encode(point)


def private_key_text(private_key: ec.EllipticCurvePrivateKey) -> str:
    number = private_key.private_numbers().private_value
    return b64url_encode(number.to_bytes(PRIVATE_KEY_BYTES, "big"))


def private_key_pem(private_key: ec.EllipticCurvePrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_private_key(*, value: str = "", file: str = "") -> ec.EllipticCurvePrivateKey:
    """The private key from its base64url text or a PEM file; ValueError says what is wrong."""
    if file:
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise ValueError(f"cannot read {file}: {error.strerror}") from None
        key = serialization.load_pem_private_key(data, password=None)
    elif "-----BEGIN" in value:
        key = serialization.load_pem_private_key(value.encode(), password=None)
    else:
        raw = b64url_decode(value.strip())
        if len(raw) != PRIVATE_KEY_BYTES:
            raise ValueError(f"a raw P-256 private key is {PRIVATE_KEY_BYTES} bytes, not {len(raw)}")
        key = ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("not a P-256 (prime256v1) key")
    return key


@dataclass(frozen=True)
class KeyPair:
    private: str  # base64url of the 32-byte number
    public: str  # base64url of the uncompressed point
    pem: bytes


def generate() -> KeyPair:
    """A new key pair, made here: nothing is asked of any service."""
    key = ec.generate_private_key(ec.SECP256R1())
    return KeyPair(private=private_key_text(key), public=public_key_text(key), pem=private_key_pem(key))


def check_settings(*, public: str, private: str, private_file: str, subject: str) -> None:
    """Refuse a half or mismatched VAPID configuration at start, naming the setting at fault.

    Called when any VAPID key is set; push stays off (and this is not called) when none is.
    """
    if private and private_file:
        raise ImproperlyConfigured("Set KYOSO_VAPID_PRIVATE_KEY or KYOSO_VAPID_PRIVATE_KEY_FILE, not both.")
    if not public:
        raise ImproperlyConfigured(
            "KYOSO_VAPID_PUBLIC_KEY must be set with the private key (Web Push needs both; "
            "`kyoso push_keys` makes a pair)."
        )
    if not (private or private_file):
        raise ImproperlyConfigured(
            "KYOSO_VAPID_PRIVATE_KEY (or KYOSO_VAPID_PRIVATE_KEY_FILE) must be set with the public key "
            "(Web Push needs both; `kyoso push_keys` makes a pair)."
        )
    name = "KYOSO_VAPID_PRIVATE_KEY_FILE" if private_file else "KYOSO_VAPID_PRIVATE_KEY"
    try:
        key = load_private_key(value=private, file=private_file)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a usable P-256 private key: {error}") from None
    try:
        point = b64url_decode(public)
    except ValueError:
        point = b""
    if len(point) != PUBLIC_KEY_BYTES:
        raise ImproperlyConfigured(
            "KYOSO_VAPID_PUBLIC_KEY must be the base64url of a P-256 public key (65 bytes, uncompressed)."
        )
    if public_key_text(key) != b64url_encode(point):
        raise ImproperlyConfigured(f"KYOSO_VAPID_PUBLIC_KEY does not belong to the key in {name}.")
    if not _SUBJECT.match(subject):
        raise ImproperlyConfigured(
            f"KYOSO_VAPID_SUBJECT={subject!r} must be a mailto: address or an https:// URL where push "
            "services can reach the operator, e.g. mailto:kyoso-admin@example.lg.jp."
        )
