"""A short excerpt of a message around what matched, with the matches marked, safely escaped.

Matches are found in the analysed form (ＤＸ finds dx) and marked in the text as written, so a
member sees their own spelling highlighted. The mapping goes character by character, keeping a
character with the marks that combine into it (か + ゛, ｶ + ﾞ) so NFKC sees them together.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kyoso.chat.markdown import plain_text
from kyoso.search.analyzer import normalize

# Characters of context shown before the first match, and the excerpt's whole length.
CONTEXT_BEFORE = 40
EXCERPT_LENGTH = 160
_JOINING_MARKS = frozenset("\uff9e\uff9f\u309b\u309c")  # half-width and spacing (han)dakuten


def _clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each character with the marks that belong to it."""
    spans: list[tuple[int, int]] = []
    for index, character in enumerate(text):
        if spans and (unicodedata.combining(character) or character in _JOINING_MARKS):
            spans[-1] = (spans[-1][0], index + 1)
        else:
            spans.append((index, index + 1))
    return spans


def _normal_map(text: str) -> tuple[str, list[int], list[int]]:
    """The normal form of ``text`` and, for each of its characters, where in ``text`` it starts and ends."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _clusters(text):
        piece = normalize(text[start:end])
        pieces.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))
    return "".join(pieces), starts, ends


def _match_spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` (as written) where any needle occurs, merged and in order."""
    normal, starts, ends = _normal_map(text)
    spans: list[tuple[int, int]] = []
    for needle in {n for n in needles if n}:
        position = normal.find(needle)
        while position >= 0:
            spans.append((starts[position], ends[position + len(needle) - 1]))
            position = normal.find(needle, position + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(
    text: str, needles: list[str], *, names: Mapping[int, str] | None = None, length: int = EXCERPT_LENGTH
) -> SafeString:
    """HTML: an escaped excerpt of the text as plain words, every occurrence of the needles (normal
    form) in <mark>.

    The Markdown goes (``**日時**`` reads 日時): a snippet is a line of text, not the message's source.
    ``names`` are the current display names of the members the text mentions (by id): a mention
    reads as the message shows it, never as the name typed in its token.
    """
    plain = plain_text(text, names=names if names is not None else {})
    spans = _match_spans(plain, needles)
    begin = max(0, spans[0][0] - CONTEXT_BEFORE) if spans else 0
    end = min(len(plain), begin + length)
    parts: list[str] = ["…" if begin else ""]
    cursor = begin
    for start, stop in spans:
        if stop <= begin or start >= end:
            continue
        start, stop = max(start, begin), min(stop, end)
        parts.append(escape(plain[cursor:start]))
        parts.append(f"<mark>{escape(plain[start:stop])}</mark>")
        cursor = stop
    parts.append(escape(plain[cursor:end]))
    if end < len(plain):
        parts.append("…")
    return mark_safe("".join(parts))  # noqa: S308 - every piece of text above went through escape()
