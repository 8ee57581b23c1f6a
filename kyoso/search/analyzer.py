"""kyoso's Japanese analyzer: what a message or a query becomes before it meets the index.

1. ``normalize``: NFKC, then Unicode case folding, then NFKC again (folding can undo a composition).
   Full-width and half-width forms become one (ＤＸ = DX, ｼｽﾃﾑ = システム, ① = 1).
2. ``runs``: the maximal runs of letters and digits (``str.isalnum``): kanji, kana, Latin and digits
   alike, so ``ai`` is found inside ``ai-ocr`` and inside ``taiwan``. Everything else separates runs.
3. ``bigram_document``: every run becomes its overlapping character bigrams followed by its last
   character alone (窓口業務 → 窓口 口業 業務 務). A query run of two or more characters is then the
   phrase of its bigrams: consecutive bigrams can only meet inside one run, because every run ends
   with a one-character token that no phrase of bigrams matches. So the phrase is found exactly
   where the run occurs as a substring: no candidate needs checking.
4. ``char_document``: the distinct characters of the runs, for one-character queries (a small
   position-free index; see kyoso.search.backends.sqlite).
5. ``gram_codes``: for PostgreSQL, the characters, bigrams and trigrams of the runs as int4 codes
   (kyoso.search.backends.postgresql keeps no positions, so longer grams keep its candidates few).

What is searched is ``searchable_text``: the message as a member reads it (a mention token
``@[山田](member:12)`` reads ``@山田``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator, Mapping

from kyoso.chat.mentions import MEMBER_TOKEN
from kyoso.core.text import fold

# Bump when any function here changes what a text becomes: the index must then be rebuilt
# (`kyoso search reindex`), and `kyoso search status` says so.
ANALYZER_VERSION = 1


def normalize(text: str) -> str:
    """The form both messages and queries are compared in: NFKC, case folded (kyoso.core.text.fold)."""
    return fold(text)


def searchable_text(text: str, names: Mapping[int, str] | None = None) -> str:
    """A message's text as members read it: mention tokens become ``@表示名``.

    The index reads the name typed in the token (it must see the same text again to forget it).
    What a member is shown (a snippet) passes ``names``, the members' current display names by id,
    and reads what the message shows: the member's own name, or the token as typed for no member.
    """
    if names is None:
        return MEMBER_TOKEN.sub(lambda match: "@" + match.group("name"), text)

    def shown(match: re.Match[str]) -> str:
        name = names.get(int(match.group("id")))
        return match.group(0) if name is None else "@" + name

    return MEMBER_TOKEN.sub(shown, text)


def mentioned_ids(texts: Iterable[str]) -> set[int]:
    """The member ids named by mention tokens in these texts."""
    return {int(match.group("id")) for text in texts for match in MEMBER_TOKEN.finditer(text)}


def analyzed(text: str) -> str:
    """The normalised searchable form of a message's text: what the index holds and queries match."""
    return normalize(searchable_text(text))


def runs(normalized: str) -> Iterator[str]:
    """The maximal runs of letters and digits, in order."""
    start = None
    for index, character in enumerate(normalized):
        if character.isalnum():
            if start is None:
                start = index
        elif start is not None:
            yield normalized[start:index]
            start = None
    if start is not None:
        yield normalized[start:]


def is_single_run(normalized: str) -> bool:
    """True when the text is one run of letters and digits (the index then answers it exactly)."""
    return bool(normalized) and all(character.isalnum() for character in normalized)


def bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def bigram_document(normalized: str) -> str:
    """The token stream of the bigram index: each run's bigrams, then its last character.

    Tokens are separated by spaces; FTS5's ``ascii`` tokenizer keeps them as they are, because
    every non-ASCII character is a token character to it and ASCII letters are already folded.
    """
    tokens: list[str] = []
    for run in runs(normalized):
        tokens.extend(bigrams(run))
        tokens.append(run[-1])
    return " ".join(tokens)


def characters(normalized: str) -> list[str]:
    """The distinct letters and digits of a text, sorted (sorted so the same text gives the same list)."""
    return sorted({character for character in normalized if character.isalnum()})


def char_document(normalized: str) -> str:
    return " ".join(characters(normalized))


# PostgreSQL stores grams as int4 codes. A character is its code point (at most 0x10FFFF). A bigram
# of two BMP characters is (first << 16) | second, which is above 0x10FFFF because a letter or digit
# is never below U+0030: the two kinds cannot collide. Other bigrams, and every trigram, are hashed;
# a collision only adds a candidate, and every candidate that a hashed code admits is checked
# against the text (kyoso.search.backends.postgresql).
_INT32 = 1 << 32
_HASHED_BASE = 0x110000


def _signed(value: int) -> int:
    return value - _INT32 if value >= 1 << 31 else value


def bigram_code(bigram: str) -> int:
    first, second = ord(bigram[0]), ord(bigram[1])
    if first <= 0xFFFF and second <= 0xFFFF:
        return _signed((first << 16) | second)
    # Hashed into the range no BMP bigram and no character uses: 0x110000 .. 0x2FFFFF.
    return _HASHED_BASE + zlib.crc32(bigram.encode()) % (0x300000 - _HASHED_BASE)


def trigram_code(trigram: str) -> int:
    return _signed(zlib.crc32(trigram.encode()))


def char_code(character: str) -> int:
    return ord(character)


def trigrams(run: str) -> list[str]:
    return [run[i : i + 3] for i in range(len(run) - 2)]


def gram_codes(normalized: str) -> list[int]:
    """The distinct gram codes of a text for PostgreSQL: every character, bigram and trigram of its runs.

    Trigrams make a word of three or more characters ask for codes that few texts share beside
    the ones containing it, so GIN's candidates are nearly all matches."""
    codes = {char_code(character) for character in characters(normalized)}
    for run in runs(normalized):
        codes.update(bigram_code(bigram) for bigram in bigrams(run))
        codes.update(trigram_code(trigram) for trigram in trigrams(run))
    return sorted(codes)


def query_codes(normalized_term: str) -> list[int]:
    """Codes every text containing ``normalized_term`` has: per run, its trigrams, its bigram or itself."""
    codes: set[int] = set()
    for run in runs(normalized_term):
        if len(run) == 1:
            codes.add(char_code(run))
        elif len(run) == 2:
            codes.add(bigram_code(run))
        else:
            codes.update(trigram_code(trigram) for trigram in trigrams(run))
    return sorted(codes)
