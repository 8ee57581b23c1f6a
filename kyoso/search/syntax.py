"""The search query language: what a member types, read into words, phrases and filters.

    窓口 "オンライン 申請" -電話 予約 OR 受付 in:#総務 from:@山田 pref:福岡県 size:5万未満 after:2024-04-01

- Words must all match (AND); ``"…"`` is an exact phrase, spaces and punctuation included.
- ``-word`` (or ``-"phrase"``, ``-in:#雑談``) excludes.
- ``a OR b`` matches either; OR binds the words on either side of it (``x a OR b`` is x AND (a OR b)).
- ``name:value`` filters, for the names in ``FILTER_NAMES``; anything else with a colon is a word
  (``10:30``, ``https://…``). A value with spaces is quoted: ``in:"#地域 九州"``.

The query is read after NFKC, so ＯＲ, －電話, ｉｎ：＃総務 and full-width spaces work as typed on a
Japanese keyboard. Words are matched in kyoso.search.analyzer's normal form; filter values keep
their case for display and are resolved in kyoso.search.filters.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from kyoso.search.analyzer import normalize, runs
from kyoso.search.errors import QuerySyntaxError

FILTER_NAMES = (
    "in",
    "from",
    "org",
    "pref",
    "region",
    "size",
    "kind",
    "is",
    "has",
    "before",
    "after",
    "on",
)
OR_KEYWORD = "OR"


@dataclass(frozen=True)
class Term:
    """A word or a phrase; ``normalized`` is what the index and the check compare."""

    text: str
    normalized: str
    phrase: bool = False
    negated: bool = False

    def display(self) -> str:
        shown = f'"{self.text}"' if self.phrase else self.text
        return f"-{shown}" if self.negated else shown


@dataclass(frozen=True)
class Filter:
    name: str
    value: str
    negated: bool = False

    def display(self) -> str:
        value = f'"{self.value}"' if any(c.isspace() for c in self.value) else self.value
        return f"{'-' if self.negated else ''}{self.name}:{value}"


@dataclass
class ParsedQuery:
    """AND of clauses; each clause is an OR of terms (most clauses hold one term)."""

    clauses: list[list[Term]] = field(default_factory=list)
    filters: list[Filter] = field(default_factory=list)

    @property
    def terms(self) -> list[Term]:
        return [term for clause in self.clauses for term in clause]

    @property
    def is_empty(self) -> bool:
        return not self.clauses and not self.filters

    @property
    def has_positive_text(self) -> bool:
        return any(all(not term.negated for term in clause) for clause in self.clauses)

    def filters_named(self, name: str) -> list[Filter]:
        return [f for f in self.filters if f.name == name]

    def without_text(self) -> ParsedQuery:
        return ParsedQuery([], list(self.filters))


@dataclass(frozen=True)
class _Lexeme:
    kind: str  # "word", "phrase", "filter", "or"
    text: str
    negated: bool = False
    name: str = ""


def _read_quoted(source: str, start: int) -> tuple[str, int]:
    """The text between the quote at ``start`` and the next quote, and the index after it."""
    end = source.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError(
            _('「"」が閉じられていません。フレーズは "窓口 業務" のように「"」で囲んでください。')
        )
    return source[start + 1 : end], end + 1


def _lex(source: str) -> list[_Lexeme]:
    lexemes: list[_Lexeme] = []
    i, length = 0, len(source)
    while i < length:
        if source[i].isspace():
            i += 1
            continue
        negated = source[i] == "-" and i + 1 < length and not source[i + 1].isspace()
        start = i + 1 if negated else i
        if source[start] == '"':
            text, i = _read_quoted(source, start)
            lexemes.append(_Lexeme("phrase", text, negated))
            continue
        end = start
        while end < length and not source[end].isspace() and source[end] != '"':
            end += 1
        word = source[start:end]
        name, colon, value = word.partition(":")
        if colon and name.lower() in FILTER_NAMES:
            if not value and end < length and source[end] == '"':
                value, end = _read_quoted(source, end)
            if not value.strip():
                raise QuerySyntaxError(
                    _("「%(name)s:」のあとに値を入れてください（例: %(example)s）。")
                    % {"name": name.lower(), "example": FILTER_EXAMPLES[name.lower()]}
                )
            lexemes.append(_Lexeme("filter", value.strip(), negated, name.lower()))
        elif word == OR_KEYWORD and not negated:
            lexemes.append(_Lexeme("or", word))
        elif word == "-" or not word:
            pass  # a dash on its own is not a word
        else:
            lexemes.append(_Lexeme("word", word, negated))
        i = end
    return lexemes


FILTER_EXAMPLES = {
    "in": "in:#総務",
    "from": "from:@山田",
    "org": "org:久留米市",
    "pref": "pref:福岡県",
    "region": "region:九州",
    "size": "size:5万未満",
    "kind": "kind:市区町村",
    "is": "is:thread",
    "has": "has:file",
    "before": "before:2025-04-01",
    "after": "after:2025-04-01",
    "on": "on:2025-04-01",
}


def _term(lexeme: _Lexeme) -> Term:
    normalized = normalize(lexeme.text)
    if lexeme.kind == "phrase" and not normalized.strip():
        raise QuerySyntaxError(_('空のフレーズ（""）は検索できません。'))
    if not any(True for _run in runs(normalized)):
        raise QuerySyntaxError(
            _("「%(term)s」には文字も数字も含まれていないため検索できません。") % {"term": lexeme.text}
        )
    return Term(lexeme.text, normalized, lexeme.kind == "phrase", lexeme.negated)


def parse_query(raw: str) -> ParsedQuery:
    """Read a query; raises QuerySyntaxError with a message that says what to change."""
    # NUL separates words like a space: no database can compare one (PostgreSQL refuses it outright).
    source = unicodedata.normalize("NFKC", raw or "").replace("\x00", " ")
    lexemes = _lex(source)
    parsed = ParsedQuery()
    pending_or = False
    for index, lexeme in enumerate(lexemes):
        if lexeme.kind == "or":
            previous = lexemes[index - 1] if index else None
            following = lexemes[index + 1] if index + 1 < len(lexemes) else None
            if previous is None or following is None or following.kind == "or":
                raise QuerySyntaxError(_("「OR」の前と後には検索語を入れてください（例: 予約 OR 受付）。"))
            if previous.kind == "filter" or following.kind == "filter":
                raise QuerySyntaxError(
                    _(
                        "「OR」は検索語と検索語の間に使います。同じ種類の絞り込みを並べると、"
                        "どれかに当てはまるものが見つかります（例: in:#総務 in:#広報）。"
                    )
                )
            pending_or = True
            continue
        if lexeme.kind == "filter":
            parsed.filters.append(Filter(lexeme.name, lexeme.text, lexeme.negated))
            continue
        term = _term(lexeme)
        if pending_or:
            parsed.clauses[-1].append(term)
            pending_or = False
        else:
            parsed.clauses.append([term])
    return parsed


def with_filter(raw: str, new: Filter) -> str:
    """The query text with one more filter, unless it is already there (for one-click facets)."""
    text = (raw or "").strip()
    display = new.display()
    if display in text.split():
        return text
    try:
        # A quoted value with spaces (in:"#地域 九州") is not one word of the text: compare what it reads as.
        read_as = Filter(new.name, unicodedata.normalize("NFKC", new.value).strip(), new.negated)
        if read_as in parse_query(text).filters:
            return text
    except QuerySyntaxError:
        pass
    return f"{text} {display}".strip()
