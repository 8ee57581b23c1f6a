"""全国地方公共団体コード: five digits and a mod-11 check digit, plus the codes kyoso assigns itself."""

from __future__ import annotations

import unicodedata

from kyoso.directory.errors import InvalidOrganizationCode

CODE_LENGTH = 6
_WEIGHTS = (6, 5, 4, 3, 2)

# Codes kyoso assigns itself start with 9. Every 全国地方公共団体コード starts with a prefecture code
# 01–47, so the two ranges never meet; ours carry the same check digit, so every code validates alike.
OWN_CODE_PREFIX = "9"
# Serials after the 9: national agencies take the lower half, operator-added public bodies the upper.
AGENCY_SERIALS = range(1, 5000)
OTHER_PUBLIC_BODY_SERIALS = range(5000, 10_000)


def check_digit(first_five: str) -> int:
    """The check digit for five digits: r = Σ weight·digit mod 11, digit = (11 − r) mod 10."""
    if len(first_five) != CODE_LENGTH - 1 or not first_five.isascii() or not first_five.isdigit():
        raise ValueError(f"expected five ASCII digits, got {first_five!r}")
    remainder = sum(w * int(d) for w, d in zip(_WEIGHTS, first_five, strict=True)) % 11
    return (11 - remainder) % 10


def is_valid_code(code: str) -> bool:
    if len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        return False
    return check_digit(code[:5]) == int(code[5])


def with_check_digit(first_five: str) -> str:
    return f"{first_five}{check_digit(first_five)}"


def own_code(serial: int) -> str:
    """kyoso's own code for ``serial`` (1–9999): 9, four digits, check digit."""
    if not 1 <= serial <= 9999:
        raise ValueError(f"serial {serial} is outside 1–9999")
    return with_check_digit(f"{OWN_CODE_PREFIX}{serial:04d}")


def own_code_serial(code: str) -> int | None:
    """The serial of one of kyoso's own codes, or None for a 全国地方公共団体コード."""
    if not is_valid_code(code) or not code.startswith(OWN_CODE_PREFIX):
        return None
    return int(code[1:5])


def parse_code(text: str) -> str:
    """A code as someone typed it ('４０２０３６', ' 402036 '), checked; InvalidOrganizationCode if not."""
    code = "".join(unicodedata.normalize("NFKC", text).split())
    if len(code) != CODE_LENGTH or not code.isascii() or not code.isdigit():
        raise InvalidOrganizationCode
    if not is_valid_code(code):
        raise InvalidOrganizationCode.wrong_check_digit(code)
    return code
