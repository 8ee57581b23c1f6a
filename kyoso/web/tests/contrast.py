"""WCAG 2.x contrast ratio, for the tests that keep text readable."""

from __future__ import annotations

import re

MINIMUM_TEXT_CONTRAST = 4.5


def parse_colour(value: str) -> tuple[float, float, float]:
    value = value.strip().lower()
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(d * 2 for d in digits)
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    match = re.match(r"rgba?\(([^)]+)\)", value)
    if not match:
        raise ValueError(f"not a colour: {value!r}")
    parts = [p.strip() for p in re.split(r"[,\s/]+", match.group(1)) if p.strip()]
    return float(parts[0]), float(parts[1]), float(parts[2])


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    lighter, darker = sorted(
        (relative_luminance(parse_colour(foreground)), relative_luminance(parse_colour(background))),
        reverse=True,
    )
    return (lighter + 0.05) / (darker + 0.05)
