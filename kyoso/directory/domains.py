"""E-mail domains: one spelling for each (lower-case ASCII, IDNA for Japanese labels) and suffix matching."""

from __future__ import annotations

import re

from kyoso.core.domains import SHARED_SUFFIXES
from kyoso.directory.errors import InvalidDomain, SharedDomainNotAllowed

MAX_DOMAIN_LENGTH = 253
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalize_domain(value: str) -> str:
    """The one spelling of a domain: trimmed, no trailing dot, lower-case, Japanese labels as xn--."""
    domain = value.strip().removesuffix(".").lower()
    if not domain or any(character.isspace() or character in "@/:\\" for character in domain):
        raise InvalidDomain
    if not domain.isascii():
        try:
            # The stdlib codec applies nameprep (NFKC, case folding) before punycode: 久留米.jp → xn--….jp.
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidDomain from None
    labels = domain.split(".")
    if len(domain) > MAX_DOMAIN_LENGTH or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InvalidDomain
    if labels[-1].isdigit():
        raise InvalidDomain  # an IP address is not a domain an organisation owns
    if domain in SHARED_SUFFIXES:
        raise SharedDomainNotAllowed
    return domain


def domain_of(email_or_domain: str) -> str:
    """The normalised domain of an address ('taro@City.Kurume.Fukuoka.jp.') or of a bare domain."""
    _, _, domain = email_or_domain.strip().rpartition("@")
    return normalize_domain(domain)


def label_suffixes(domain: str) -> list[str]:
    """Every suffix of ``domain`` on a label boundary with at least two labels, longest first.

    'kankyo.city.kurume.fukuoka.jp' → itself, 'city.kurume.fukuoka.jp', 'kurume.fukuoka.jp',
    'fukuoka.jp'. Matching against these, never against a plain string suffix, keeps
    'xcity.kurume.fukuoka.jp' from matching 'city.kurume.fukuoka.jp'.
    """
    labels = domain.split(".")
    return [".".join(labels[start:]) for start in range(len(labels) - 1)]


def is_within(domain: str, owner: str) -> bool:
    """True when ``domain`` is ``owner`` or a subdomain of it (both already normalised)."""
    return domain == owner or domain.endswith(f".{owner}")
