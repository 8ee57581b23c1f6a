"""全国地方公共団体コード: five digits and a mod-11 check digit."""

from __future__ import annotations

CODE_LENGTH = 6
_WEIGHTS = (6, 5, 4, 3, 2)


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
