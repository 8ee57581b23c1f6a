"""Japanese government e-mail domains: the suffixes that mark a public servant's address, and the
shared suffixes under which no single organisation may claim a domain."""

from __future__ import annotations

# Addresses under these belong to local governments (LGWAN-connected lg.jp) and national agencies
# (go.jp). Registration treats an address here that matches no known organisation as a mismatch to
# review, not as an ordinary address.
GOVERNMENT_SUFFIXES = ("lg.jp", "go.jp")

_PREFECTURE_LABELS = [
    "hokkaido", "aomori", "iwate", "miyagi", "akita", "yamagata", "fukushima",
    "ibaraki", "tochigi", "gunma", "saitama", "chiba", "tokyo", "kanagawa",
    "niigata", "toyama", "ishikawa", "fukui", "yamanashi", "nagano", "gifu", "shizuoka", "aichi",
    "mie", "shiga", "kyoto", "osaka", "hyogo", "nara", "wakayama",
    "tottori", "shimane", "okayama", "hiroshima", "yamaguchi",
    "tokushima", "kagawa", "ehime", "kochi",
    "fukuoka", "saga", "nagasaki", "kumamoto", "oita", "miyazaki", "kagoshima", "okinawa",
]  # fmt: skip
# Suffixes under which many unrelated bodies register their own names. An organisation owning one of
# these would claim every address below it (every 市役所 under lg.jp), so none may be added. We carry
# this short list rather than the whole Public Suffix List: staff domains here are all Japanese.
SHARED_SUFFIXES = frozenset(
    ["lg.jp", "go.jp", "ac.jp", "ad.jp", "co.jp", "ed.jp", "gr.jp", "ne.jp", "or.jp"]
    + [f"{label}.jp" for label in _PREFECTURE_LABELS]
)


def is_government_domain(domain: str) -> bool:
    """True for lg.jp and go.jp and every domain below them (already normalised, lower-case)."""
    return any(domain == suffix or domain.endswith("." + suffix) for suffix in GOVERNMENT_SUFFIXES)
