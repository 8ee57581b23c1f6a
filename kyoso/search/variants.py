"""Okurigana variants (送り仮名の揺れ): 申し込み, 申込み and 申込 are one word to a reader.

Government text mixes the 公用文 forms (申込み, 問合せ) with everyday ones (申し込み, 問い合わせ).
Folding is done at query time, by widening a term to an OR of its spellings: the exact form is
always one of them, so nothing found without folding is lost with it. The index is not touched,
so folding can be switched off per search (and by KYOSO_SEARCH_OKURIGANA for everyone).

Each group lists spellings of one word; a term containing any spelling is widened by replacing it
with each of the others (「申込書」 → 申込書 OR 申し込み書 OR 申込み書 …).
"""

from __future__ import annotations

from kyoso.search.analyzer import normalize

VARIANT_GROUPS: tuple[tuple[str, ...], ...] = (
    ("申し込み", "申込み", "申込"),
    ("申し込む", "申込む"),
    ("問い合わせ", "問合せ", "問い合せ", "問合わせ"),
    ("取り扱い", "取扱い", "取扱"),
    ("受け付け", "受付け", "受付"),
    ("手続き", "手続"),
    ("引き継ぎ", "引継ぎ", "引継"),
    ("切り替え", "切替え", "切替"),
    ("振り込み", "振込み", "振込"),
    ("見積もり", "見積り", "見積"),
    ("打ち合わせ", "打合せ", "打ち合せ", "打合わせ"),
    ("割り当て", "割当て", "割当"),
    ("払い戻し", "払戻し", "払戻"),
    ("立ち入り", "立入り", "立入"),
    ("貸し出し", "貸出し", "貸出"),
    ("取り組み", "取組み", "取組"),
    ("受け入れ", "受入れ", "受入"),
    ("差し押さえ", "差押え", "差押"),
    ("繰り越し", "繰越し", "繰越"),
    ("組み合わせ", "組合せ", "組み合せ"),
    ("申し立て", "申立て", "申立"),
    ("呼び出し", "呼出し", "呼出"),
    ("書き換え", "書換え", "書換"),
    ("払い込み", "払込み", "払込"),
    ("取り消し", "取消し", "取消"),
    ("取り下げ", "取下げ", "取下"),
    ("読み込み", "読込み", "読込"),
    ("書き込み", "書込み", "書込"),
    ("売り上げ", "売上げ", "売上"),
    ("受け取り", "受取り", "受取"),
    ("締め切り", "締切り", "締切"),
    ("落とし物", "落し物"),
    ("行う", "行なう"),
    ("行い", "行ない"),
    ("届け出", "届出"),
    ("申し出", "申出"),
    ("貸し付け", "貸付け", "貸付"),
    ("割り振り", "割振り", "割振"),
    ("積み立て", "積立て", "積立"),
    ("取り決め", "取決め", "取決"),
)

# Longest spelling first, so 申し込み is replaced before its shorter relatives are looked for.
_SPELLINGS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    sorted(
        (
            (normalize(s), tuple(normalize(o) for o in group if o != s))
            for group in VARIANT_GROUPS
            for s in group
        ),
        key=lambda pair: -len(pair[0]),
    )
)


def variants_of(normalized_term: str) -> list[str]:
    """Other spellings of a normalised term (without the term itself), in a stable order."""
    found: list[str] = []
    for spelling, others in _SPELLINGS:
        if spelling in normalized_term:
            for other in others:
                candidate = normalized_term.replace(spelling, other)
                if candidate != normalized_term and candidate not in found:
                    found.append(candidate)
            break
    return found
