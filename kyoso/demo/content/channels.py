"""The demo's channels, modelled on a community like the Digital Agency's 共創プラットフォーム."""

from __future__ import annotations

from dataclasses import dataclass

from kyoso.chat.models import ChannelCategory, PostingPolicy


@dataclass(frozen=True)
class ChannelSpec:
    """A channel of the demo. ``slug`` is ASCII so a link to it survives any mail client."""

    slug: str
    name: str
    category: str
    title: str
    purpose: str
    # Share of the conversations that start here, before the seasonal factors below.
    weight: float
    is_default: bool = False
    posting_policy: str = PostingPolicy.MEMBERS
    # Region channels: the directory regions whose members join.
    regions: tuple[str, ...] = ()
    # Months in which the channel is busier than usual (防災 in the rainy and typhoon season).
    busy_months: tuple[int, ...] = ()
    # Days after the community opened on which the channel was created.
    opened_after_days: int = 0


THEME = ChannelCategory.THEME
REGION = ChannelCategory.REGION
CASUAL = ChannelCategory.CASUAL

CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "oshirase",
        "お知らせ",
        ChannelCategory.ANNOUNCEMENT,
        "運営からのお知らせ",
        "勉強会の案内、メンテナンス、コミュニティのルールなど、運営からのお知らせを掲載します。"
        "投稿できるのは運営だけです。スタンプで反応してください。",
        weight=2.5,
        is_default=True,
        posting_policy=PostingPolicy.OPERATORS,
    ),
    ChannelSpec(
        "madoguchi-dx",
        "窓口DX",
        THEME,
        "窓口をもっと便利に",
        "キャッシュレス決済、予約、オンライン申請、フロントヤード改革など、窓口の改善を語り合う場です。",
        weight=8,
    ),
    ChannelSpec(
        "kakanai",
        "書かない窓口",
        THEME,
        "書かない・待たない・迷わない窓口",
        "書かない窓口の導入や運用、システム選定、効果測定について情報交換します。",
        weight=7,
    ),
    ChannelSpec(
        "okuyami",
        "おくやみ",
        THEME,
        "ご遺族に寄り添う窓口",
        "おくやみコーナーの設置・運営、手続の案内、関係課との連携について話し合います。",
        weight=4,
    ),
    ChannelSpec(
        "gov-cloud",
        "ガバメントクラウド",
        THEME,
        "ガバメントクラウドの移行と運用",
        "移行の進め方、見積もり、運用経費、ネットワークなど、ガバメントクラウドに関する情報交換の場です。",
        weight=7,
    ),
    ChannelSpec(
        "hyojunka",
        "自治体システム標準化",
        THEME,
        "基幹業務システムの標準化",
        "標準準拠システムへの移行スケジュール、Fit&Gap、データ移行、国からの通知の読み方などを共有します。",
        weight=8,
    ),
    ChannelSpec(
        "mynumber",
        "マイナンバー",
        THEME,
        "マイナンバーカードと関連する手続",
        "カードの交付、出張申請、電子証明書の更新、マイナ保険証などの窓口の工夫を共有します。",
        weight=6,
    ),
    ChannelSpec(
        "kosodate",
        "子育て",
        THEME,
        "子育て支援の手続とサービス",
        "児童手当、保育所の入所申請、妊婦への支援など、子育て世帯向けの手続とサービスについて話します。",
        weight=4,
        busy_months=(2, 3),
    ),
    ChannelSpec(
        "bousai",
        "防災",
        THEME,
        "防災と避難所運営のDX",
        "避難所の受付、個別避難計画、罹災証明書、訓練など、防災の実務を共有します。",
        weight=4,
        busy_months=(6, 7, 8, 9),
    ),
    ChannelSpec(
        "ai-rpa",
        "AI・RPA",
        THEME,
        "生成AI・RPA・AI-OCRの活用",
        "生成AIの庁内利用ガイドライン、RPAのシナリオ共有、AI-OCRの活用事例などを語り合います。",
        weight=7,
        opened_after_days=60,
    ),
    ChannelSpec(
        "hokkaido",
        "北海道",
        REGION,
        "北海道の自治体の皆さんへ",
        "北海道内の情報交換、地域の勉強会、オフ会の相談などにどうぞ。",
        weight=2.5,
        regions=("hokkaido",),
    ),
    ChannelSpec(
        "tohoku",
        "東北",
        REGION,
        "東北の自治体の皆さんへ",
        "青森・岩手・宮城・秋田・山形・福島の皆さんの情報交換の場です。",
        weight=3,
        regions=("tohoku",),
    ),
    ChannelSpec(
        "kanto",
        "関東",
        REGION,
        "関東の自治体の皆さんへ",
        "関東1都6県の皆さんの情報交換の場です。",
        weight=5,
        regions=("kanto",),
    ),
    ChannelSpec(
        "chubu",
        "中部",
        REGION,
        "中部の自治体の皆さんへ",
        "北陸・甲信・東海の皆さんの情報交換の場です。",
        weight=4,
        regions=("chubu",),
    ),
    ChannelSpec(
        "kinki",
        "近畿",
        REGION,
        "近畿の自治体の皆さんへ",
        "近畿2府5県の皆さんの情報交換の場です。",
        weight=4,
        regions=("kinki",),
    ),
    ChannelSpec(
        "chugoku-shikoku",
        "中国・四国",
        REGION,
        "中国・四国の自治体の皆さんへ",
        "中国地方と四国の皆さんの情報交換の場です。",
        weight=3,
        regions=("chugoku", "shikoku"),
    ),
    ChannelSpec(
        "kyushu-okinawa",
        "九州・沖縄",
        REGION,
        "九州・沖縄の自治体の皆さんへ",
        "九州各県と沖縄の皆さんの情報交換の場です。",
        weight=4,
        regions=("kyushu_okinawa",),
    ),
    ChannelSpec(
        "zatsudan",
        "雑談",
        CASUAL,
        "なんでも雑談",
        "仕事のこともそうでないことも、気軽に話しましょう。",
        weight=10,
        is_default=True,
    ),
    ChannelSpec(
        "kyo-no-ichimai",
        "今日の一枚",
        CASUAL,
        "今日の一枚",
        "庁舎の季節の風景、ご当地グルメ、出張先で見つけたものなど、写真でゆるく共有しましょう。",
        weight=4,
    ),
    ChannelSpec(
        "kakikomi-renshu",
        "書き込み練習",
        CASUAL,
        "書き込みの練習と自己紹介",
        "はじめての投稿はここで。自己紹介、書式やスタンプの練習にどうぞ。",
        weight=2,
        is_default=True,
    ),
)

THEME_SLUGS = tuple(c.slug for c in CHANNELS if c.category == THEME)
REGION_NAMES: dict[str, str] = {region: c.name for c in CHANNELS for region in c.regions}
REGION_CHANNEL: dict[str, str] = {region: c.slug for c in CHANNELS for region in c.regions}
