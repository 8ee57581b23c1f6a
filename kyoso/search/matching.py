"""The text part of a query, turned into what each index can answer and a check for the rest.

A term is found exactly by the index when it is one run of letters and digits: two or more
characters as the phrase of its bigrams, one character in the character index. Anything else (a
phrase with a space, ``ai-ocr``, an OR that mixes both kinds) gives the index a necessary
condition only, and ``verify`` decides on the analysed text. The backends use ``exact`` to skip that
check whenever the index alone is the answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from kyoso.search.analyzer import analyzed, bigrams, is_single_run, runs
from kyoso.search.syntax import Term

BIGRAMS = "bigrams"
CHARACTERS = "characters"


def _phrase(tokens: list[str]) -> str:
    # Tokens hold letters and digits only, never a quote: nothing to escape.
    return '"' + " ".join(tokens) + '"'


def _bigram_expression(term: Term) -> str | None:
    """The FTS5 condition on the bigram index every match of ``term`` meets, or None.

    One run is the phrase of its bigrams. Several runs make one phrase too, because the index's
    token stream is the same for the term and for any text containing it: a run the term shows
    ending (a separator follows it) ends with its last character as a token, and the next run's
    tokens follow at once. The last run, when the term stops inside it, is a prefix (``"… x" *``).
    Only what separates the runs (a space, 「・」, 「-」 …) is left for the check.
    """
    text = term.normalized
    found = list(runs(text))
    if not found or (len(found) == 1 and text == found[0] and len(text) == 1):
        return None  # one character alone: the character index answers it exactly
    tokens: list[str] = []
    for index, run in enumerate(found):
        if index < len(found) - 1 or not text.endswith(run):
            tokens.extend([*bigrams(run), run[-1]])
        else:
            tokens.extend(bigrams(run))  # nothing for a last run of one character
    return _phrase(tokens) if tokens else None


def _character_expression(term: Term) -> str | None:
    characters = sorted({c for run in runs(term.normalized) for c in run})
    return " AND ".join(_phrase([c]) for c in characters) if characters else None


def _exact_in(term: Term, index: str) -> bool:
    if not is_single_run(term.normalized):
        return False
    single = len(term.normalized) == 1
    return single if index == CHARACTERS else not single


@dataclass(frozen=True)
class IndexQuery:
    """An FTS5 MATCH expression on one of the two indexes; ``exact`` when it needs no check."""

    index: str
    expression: str
    exact: bool


@dataclass(frozen=True)
class TextPlan:
    clauses: tuple[tuple[Term, ...], ...]

    @classmethod
    def of(cls, clauses: list[list[Term]]) -> TextPlan:
        return cls(tuple(tuple(clause) for clause in clauses))

    @property
    def is_empty(self) -> bool:
        return not self.clauses

    @property
    def positive_terms(self) -> list[Term]:
        return [t for clause in self.clauses for t in clause if not t.negated]

    def matches(self, analysed_text: str) -> bool:
        """The exact answer for one text in analysed form (see kyoso.search.analyzer.analyzed)."""
        return all(
            any((term.normalized in analysed_text) != term.negated for term in clause)
            for clause in self.clauses
        )

    def spec(self) -> str:
        """A compact form of the plan for the SQLite check function (see ``matches_spec``)."""
        clauses = [[[int(t.negated), t.normalized] for t in clause] for clause in self.clauses]
        return json.dumps(clauses, ensure_ascii=False)

    def index_query(self) -> IndexQuery | None:
        """The most useful FTS5 query: on the bigram index if it can say anything, else on characters."""
        for index in (BIGRAMS, CHARACTERS):
            found = self._index_query(index)
            if found is not None:
                return found
        return None

    def _index_query(self, index: str) -> IndexQuery | None:
        expression_of = _bigram_expression if index == BIGRAMS else _character_expression
        positives: list[str] = []
        negatives: list[str] = []
        exact = True
        for clause in self.clauses:
            if len(clause) == 1 and clause[0].negated:
                term = clause[0]
                if _exact_in(term, index):
                    negatives.append(expression_of(term) or "")
                else:
                    exact = False  # the check excludes it
                continue
            expressions = [None if term.negated else expression_of(term) for term in clause]
            if any(e is None for e in expressions):
                exact = False  # this clause says nothing the index can use; the check decides
                continue
            exact = exact and all(_exact_in(term, index) for term in clause)
            positives.append("(" + " OR ".join(e for e in expressions if e) + ")")
        if not positives:
            return None
        expression = " AND ".join(positives)
        for negative in negatives:
            expression = f"({expression}) NOT ({negative})"
        return IndexQuery(index, expression, exact)


@lru_cache(maxsize=256)
def _parsed_spec(spec: str) -> tuple[tuple[tuple[bool, str], ...], ...]:
    return tuple(tuple((bool(n), text) for n, text in clause) for clause in json.loads(spec))


def matches_spec(text: str | None, spec: str) -> bool:
    """SQLite function ``kyoso_match(text, spec)``: does a message's raw text match the plan?"""
    if not text:
        return False
    analysed = analyzed(text)
    return all(
        any((needle in analysed) != negated for negated, needle in clause) for clause in _parsed_spec(spec)
    )
