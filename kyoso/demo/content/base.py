"""The shape of the demo's writing: topics of templates, and how their {slots} are filled."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from random import Random

# A slot holds either one fixed value (the author's organisation) or options to choose from.
SlotValue = str | Sequence[str]
Slots = Mapping[str, SlotValue]

_SLOT = re.compile(r"\{([a-z_0-9]+)\}")
# An option may hold slots of its own; three levels are plenty and stop a typo from looping.
_MAX_DEPTH = 3


@dataclass(frozen=True)
class Topic:
    """One subject a channel talks about, e.g. 書かない窓口のシステム選定.

    ``questions`` open a thread, ``answers`` reply to them, ``shares`` are posts that tell rather than
    ask, and ``followups`` are the asker's second question further down the thread. Templates name
    slots such as ``{we}`` (当市, 本県, 当庁…) or the topic's own ``{system}``.
    """

    questions: tuple[str, ...]
    answers: tuple[str, ...]
    shares: tuple[str, ...] = ()
    followups: tuple[str, ...] = ()
    slots: Mapping[str, Sequence[str]] = field(default_factory=dict)


class MissingSlot(KeyError):
    """A template names a slot nobody defined: a mistake in the content, caught by the tests."""


def fill(template: str, rng: Random, slots: Slots, depth: int = 0) -> str:
    """Replace every ``{slot}`` by one of its options, chosen with ``rng``."""

    def choose(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in slots:
            raise MissingSlot(f"{{{name}}} in {template[:60]!r}")
        options = slots[name]
        value = options if isinstance(options, str) else options[rng.randrange(len(options))]
        if "{" in value and depth < _MAX_DEPTH:
            value = fill(value, rng, slots, depth + 1)
        return value

    return _SLOT.sub(choose, template)


def slot_names(template: str) -> set[str]:
    return set(_SLOT.findall(template))
