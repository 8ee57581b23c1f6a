"""The channels 参加登録 suggests: the applicant's region, and a few themes that fit their department.

Channels are made by operators, so nothing here names one. A region channel is recognised by a
region's words in its name (九州 in 「九州・沖縄」, 関東, the prefecture's own name), and a theme by
the words a department's work is known by (市民課 → 窓口, マイナンバー; 情報政策課 → 標準化, クラウド)
found in its name, title or purpose. Every other channel stays a click away, and can be joined later.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kyoso.core.text import fold
from kyoso.directory.models import Organization, Region

# How many theme channels are ticked for the applicant at most, besides their region's.
SUGGESTED_THEMES = 3

# The words a region channel's name would hold; 中部 also goes by 北陸・東海, 近畿 by 関西.
REGION_WORDS: dict[str, tuple[str, ...]] = {
    Region.HOKKAIDO: ("北海道",),
    Region.TOHOKU: ("東北",),
    Region.KANTO: ("関東", "首都圏"),
    Region.CHUBU: ("中部", "北陸", "東海", "甲信"),
    Region.KINKI: ("近畿", "関西"),
    Region.CHUGOKU: ("中国",),
    Region.SHIKOKU: ("四国",),
    Region.KYUSHU_OKINAWA: ("九州", "沖縄"),
}

# Words in a department's name (部署名) → the topics its staff usually look for.
DEPARTMENT_TOPICS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("市民", "住民", "区民", "町民", "村民", "窓口", "戸籍", "証明"),
        ("窓口", "マイナンバー", "おくやみ"),
    ),
    (
        ("情報", "デジタル", "dx", "電算", "システム", "ict", "it推進"),
        ("標準化", "クラウド", "システム", "ai", "rpa"),
    ),
    (("防災", "危機管理", "消防", "安全"), ("防災", "避難")),
    (("子育て", "こども", "子ども", "児童", "保育", "家庭"), ("子育て", "保育", "児童")),
    (("税", "収納", "徴収"), ("税", "窓口", "標準化")),
    (("福祉", "介護", "高齢", "障害", "保険", "年金", "健康"), ("福祉", "介護", "マイナンバー", "窓口")),
    (("企画", "行革", "改革", "業務改善"), ("dx", "ai", "rpa", "窓口")),
    (("人事", "総務", "職員", "財政"), ("ai", "rpa")),
)

PREFECTURE_SUFFIXES = ("都", "府", "県")


def region_words(organization: Organization | None) -> tuple[str, ...]:
    """The words that name the organisation's region or its prefecture (福岡県 → 福岡, 九州, 沖縄)."""
    if organization is None:
        return ()
    words = list(REGION_WORDS.get(organization.region, ()))
    prefecture = organization.prefecture
    if prefecture is not None:
        name = prefecture.name
        words.append(name[:-1] if name != "北海道" and name.endswith(PREFECTURE_SUFFIXES) else name)
    return tuple(fold(word) for word in words)


def department_topics(department: str) -> tuple[str, ...]:
    """The topics a department's name points to, in the order of DEPARTMENT_TOPICS."""
    text = fold(department).replace(" ", "")
    topics: list[str] = []
    for keywords, found in DEPARTMENT_TOPICS:
        if text and any(keyword in text for keyword in keywords):
            topics.extend(topic for topic in found if topic not in topics)
    return tuple(topics)


def _text(channel: Any, *names: str) -> str:
    return fold(" ".join(str(getattr(channel, name, "") or "") for name in names))


def suggested_channels(
    channels: Iterable[Any], *, organization: Organization | None, department: str
) -> list[Any]:
    """The channels to tick for an applicant: their region's, then up to SUGGESTED_THEMES themes.

    ``organization`` is where they work (for 一部事務組合, the prefecture they chose). Themes are
    ranked by how many of the department's topics they mention, a name counting twice, then in the
    order given.
    """
    candidates: Sequence[Any] = list(channels)
    places = region_words(organization)
    regional = [c for c in candidates if places and any(word in _text(c, "name") for word in places)]
    topics = department_topics(department)
    scored = []
    for position, channel in enumerate(candidates):
        if channel in regional or not topics:
            continue
        name, about = _text(channel, "name"), _text(channel, "title", "purpose")
        score = sum(2 * (topic in name) + (topic in about) for topic in topics)
        if score:
            scored.append((-score, position, channel))
    themes = [channel for _, _, channel in sorted(scored, key=lambda row: row[:2])[:SUGGESTED_THEMES]]
    return [*regional, *themes]
