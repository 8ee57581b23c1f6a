"""The demo's people: names with readings and romaji, departments, titles and self-introductions.

The names are common Japanese surnames and given names, combined at random: they belong to nobody.
Readings (kana) feed the mention type-ahead; the romaji builds the clearly fake e-mail local part.
"""

from __future__ import annotations

from typing import TypedDict

# (kanji, kana, romaji, weight): the weight roughly follows how common the surname is.
SURNAMES: tuple[tuple[str, str, str, int], ...] = (
    ("佐藤", "さとう", "sato", 18), ("鈴木", "すずき", "suzuki", 17),
    ("高橋", "たかはし", "takahashi", 14), ("田中", "たなか", "tanaka", 13),
    ("伊藤", "いとう", "ito", 11), ("渡辺", "わたなべ", "watanabe", 11),
    ("山本", "やまもと", "yamamoto", 11), ("中村", "なかむら", "nakamura", 10),
    ("小林", "こばやし", "kobayashi", 10), ("加藤", "かとう", "kato", 9),
    ("吉田", "よしだ", "yoshida", 9), ("山田", "やまだ", "yamada", 8),
    ("佐々木", "ささき", "sasaki", 7), ("山口", "やまぐち", "yamaguchi", 7),
    ("松本", "まつもと", "matsumoto", 7), ("井上", "いのうえ", "inoue", 7),
    ("木村", "きむら", "kimura", 6), ("林", "はやし", "hayashi", 6),
    ("斎藤", "さいとう", "saito", 6), ("清水", "しみず", "shimizu", 6),
    ("山崎", "やまざき", "yamazaki", 5), ("森", "もり", "mori", 5),
    ("池田", "いけだ", "ikeda", 5), ("橋本", "はしもと", "hashimoto", 5),
    ("阿部", "あべ", "abe", 5), ("石川", "いしかわ", "ishikawa", 5),
    ("山下", "やました", "yamashita", 5), ("中島", "なかじま", "nakajima", 5),
    ("石井", "いしい", "ishii", 4), ("小川", "おがわ", "ogawa", 4),
    ("前田", "まえだ", "maeda", 4), ("岡田", "おかだ", "okada", 4),
    ("長谷川", "はせがわ", "hasegawa", 4), ("藤田", "ふじた", "fujita", 4),
    ("後藤", "ごとう", "goto", 4), ("近藤", "こんどう", "kondo", 4),
    ("村上", "むらかみ", "murakami", 4), ("遠藤", "えんどう", "endo", 4),
    ("青木", "あおき", "aoki", 4), ("坂本", "さかもと", "sakamoto", 4),
    ("福田", "ふくだ", "fukuda", 3), ("太田", "おおた", "ota", 3),
    ("西村", "にしむら", "nishimura", 3), ("藤井", "ふじい", "fujii", 3),
    ("金子", "かねこ", "kaneko", 3), ("岡本", "おかもと", "okamoto", 3),
    ("藤原", "ふじわら", "fujiwara", 3), ("中野", "なかの", "nakano", 3),
    ("三浦", "みうら", "miura", 3), ("原田", "はらだ", "harada", 3),
    ("中川", "なかがわ", "nakagawa", 3), ("松田", "まつだ", "matsuda", 3),
    ("竹内", "たけうち", "takeuchi", 3), ("小野", "おの", "ono", 3),
    ("田村", "たむら", "tamura", 3), ("中山", "なかやま", "nakayama", 3),
    ("和田", "わだ", "wada", 3), ("石田", "いしだ", "ishida", 3),
    ("森田", "もりた", "morita", 3), ("上田", "うえだ", "ueda", 3),
    ("原", "はら", "hara", 3), ("内田", "うちだ", "uchida", 3),
    ("柴田", "しばた", "shibata", 3), ("酒井", "さかい", "sakai", 3),
    ("宮崎", "みやざき", "miyazaki", 3), ("横山", "よこやま", "yokoyama", 3),
    ("高木", "たかぎ", "takagi", 2), ("安藤", "あんどう", "ando", 2),
    ("宮本", "みやもと", "miyamoto", 2), ("大野", "おおの", "ono", 2),
    ("小島", "こじま", "kojima", 2), ("谷口", "たにぐち", "taniguchi", 2),
    ("今井", "いまい", "imai", 2), ("工藤", "くどう", "kudo", 2),
    ("高田", "たかだ", "takada", 2), ("増田", "ますだ", "masuda", 2),
    ("丸山", "まるやま", "maruyama", 2), ("杉山", "すぎやま", "sugiyama", 2),
    ("村田", "むらた", "murata", 2), ("大塚", "おおつか", "otsuka", 2),
    ("新井", "あらい", "arai", 2), ("小山", "こやま", "koyama", 2),
    ("平野", "ひらの", "hirano", 2), ("藤本", "ふじもと", "fujimoto", 2),
    ("河野", "こうの", "kono", 2), ("上野", "うえの", "ueno", 2),
    ("野口", "のぐち", "noguchi", 2), ("武田", "たけだ", "takeda", 2),
    ("松井", "まつい", "matsui", 2), ("千葉", "ちば", "chiba", 2),
    ("岩崎", "いわさき", "iwasaki", 2), ("菅原", "すがわら", "sugawara", 2),
    ("木下", "きのした", "kinoshita", 2), ("久保", "くぼ", "kubo", 2),
    ("野村", "のむら", "nomura", 2), ("松尾", "まつお", "matsuo", 2),
    ("菊地", "きくち", "kikuchi", 2), ("杉本", "すぎもと", "sugimoto", 2),
    ("市川", "いちかわ", "ichikawa", 2), ("古川", "ふるかわ", "furukawa", 2),
    ("大西", "おおにし", "onishi", 2), ("島田", "しまだ", "shimada", 2),
    ("水野", "みずの", "mizuno", 2), ("桜井", "さくらい", "sakurai", 2),
    ("五十嵐", "いがらし", "igarashi", 1), ("服部", "はっとり", "hattori", 1),
    ("土屋", "つちや", "tsuchiya", 1),
)  # fmt: skip

# Okinawa's own surnames: a demo member from 那覇市 called 比嘉 reads true.
OKINAWA_SURNAMES: tuple[tuple[str, str, str, int], ...] = (
    ("比嘉", "ひが", "higa", 5), ("金城", "きんじょう", "kinjo", 4), ("大城", "おおしろ", "oshiro", 4),
    ("宮城", "みやぎ", "miyagi", 4), ("新垣", "あらかき", "arakaki", 3), ("玉城", "たまき", "tamaki", 3),
    ("上原", "うえはら", "uehara", 3), ("島袋", "しまぶくろ", "shimabukuro", 2),
)  # fmt: skip

GIVEN_NAMES_MALE: tuple[tuple[str, str, str], ...] = (
    ("浩", "ひろし", "hiroshi"), ("健太", "けんた", "kenta"), ("翔太", "しょうた", "shota"),
    ("大輔", "だいすけ", "daisuke"), ("拓也", "たくや", "takuya"), ("誠", "まこと", "makoto"),
    ("直樹", "なおき", "naoki"), ("和也", "かずや", "kazuya"), ("隆", "たかし", "takashi"),
    ("亮", "りょう", "ryo"), ("健一", "けんいち", "kenichi"), ("修", "おさむ", "osamu"),
    ("達也", "たつや", "tatsuya"), ("雄一", "ゆういち", "yuichi"), ("悠斗", "ゆうと", "yuto"),
    ("陽介", "ようすけ", "yosuke"), ("智也", "ともや", "tomoya"), ("剛", "つよし", "tsuyoshi"),
    ("康弘", "やすひろ", "yasuhiro"), ("哲也", "てつや", "tetsuya"), ("俊介", "しゅんすけ", "shunsuke"),
    ("大樹", "だいき", "daiki"), ("蓮", "れん", "ren"), ("悠真", "ゆうま", "yuma"),
    ("正人", "まさと", "masato"), ("秀樹", "ひでき", "hideki"), ("聡", "さとし", "satoshi"),
    ("淳", "じゅん", "jun"), ("浩二", "こうじ", "koji"), ("圭", "けい", "kei"),
)  # fmt: skip

GIVEN_NAMES_FEMALE: tuple[tuple[str, str, str], ...] = (
    ("美咲", "みさき", "misaki"), ("陽子", "ようこ", "yoko"), ("裕子", "ゆうこ", "yuko"),
    ("恵", "めぐみ", "megumi"), ("由美", "ゆみ", "yumi"), ("真由美", "まゆみ", "mayumi"),
    ("彩", "あや", "aya"), ("愛", "あい", "ai"), ("奈々", "なな", "nana"),
    ("千尋", "ちひろ", "chihiro"), ("麻衣", "まい", "mai"), ("香織", "かおり", "kaori"),
    ("智子", "ともこ", "tomoko"), ("久美子", "くみこ", "kumiko"), ("結衣", "ゆい", "yui"),
    ("さくら", "さくら", "sakura"), ("明美", "あけみ", "akemi"), ("直子", "なおこ", "naoko"),
    ("理恵", "りえ", "rie"), ("沙織", "さおり", "saori"), ("瞳", "ひとみ", "hitomi"),
    ("玲奈", "れいな", "reina"), ("葵", "あおい", "aoi"), ("美穂", "みほ", "miho"),
    ("涼子", "りょうこ", "ryoko"), ("友美", "ともみ", "tomomi"), ("早紀", "さき", "saki"),
    ("綾乃", "あやの", "ayano"), ("舞", "まい", "mai"), ("優子", "ゆうこ", "yuko"),
)  # fmt: skip

# Channel keys each kind of department cares about; the member joins those theme channels.
FRONT = ("madoguchi-dx", "kakanai", "okuyami", "mynumber")
SYSTEMS = ("gov-cloud", "hyojunka", "ai-rpa")

# (department, themes, weight) by kind of organisation.
CITY_DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("市民課", FRONT, 14), ("情報政策課", SYSTEMS, 8), ("DX推進課", ("madoguchi-dx", "ai-rpa", "kakanai"), 8),
    ("デジタル推進課", ("madoguchi-dx", "ai-rpa", "hyojunka"), 5), ("子育て支援課", ("kosodate",), 7),
    ("こども家庭課", ("kosodate",), 3), ("福祉課", ("okuyami", "kosodate", "hyojunka"), 5),
    ("高齢福祉課", ("okuyami", "bousai"), 3), ("保険年金課", ("mynumber", "hyojunka", "okuyami"), 5),
    ("税務課", ("hyojunka", "ai-rpa"), 6), ("市民税課", ("hyojunka", "ai-rpa"), 2),
    ("防災危機管理課", ("bousai",), 6), ("企画課", ("ai-rpa", "madoguchi-dx"), 5),
    ("総務課", ("ai-rpa", "gov-cloud"), 3), ("行政改革推進課", ("ai-rpa", "madoguchi-dx", "kakanai"), 3),
    ("人事課", ("ai-rpa",), 2),
)  # fmt: skip
TOWN_DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("住民課", FRONT, 14),
    ("町民課", FRONT, 5),
    ("総務課", ("ai-rpa", "gov-cloud", "hyojunka", "bousai"), 10),
    ("企画課", ("ai-rpa", "madoguchi-dx", "gov-cloud"), 6),
    ("税務課", ("hyojunka", "ai-rpa"), 5),
    ("健康福祉課", ("kosodate", "okuyami"), 6),
    ("子育て支援課", ("kosodate",), 3),
    ("危機管理室", ("bousai",), 3),
)  # fmt: skip
VILLAGE_DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("住民課", FRONT, 12),
    ("村民課", FRONT, 4),
    ("総務課", ("ai-rpa", "gov-cloud", "hyojunka", "bousai"), 12),
    ("総務企画課", ("ai-rpa", "madoguchi-dx"), 5),
    ("保健福祉課", ("kosodate", "okuyami"), 6),
    ("税務課", ("hyojunka",), 3),
)  # fmt: skip
SPECIAL_WARD_DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("戸籍住民課", FRONT, 10), ("区民課", FRONT, 5), ("情報政策課", SYSTEMS, 8),
    ("DX推進課", ("madoguchi-dx", "ai-rpa", "kakanai"), 6), ("子ども家庭支援課", ("kosodate",), 5),
    ("税務課", ("hyojunka", "ai-rpa"), 5), ("防災課", ("bousai",), 5), ("福祉課", ("okuyami", "hyojunka"), 4),
)  # fmt: skip
DESIGNATED_WARD_DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("区民課", FRONT, 12), ("戸籍住民課", FRONT, 4), ("保険年金課", ("mynumber", "okuyami"), 5),
    ("地域振興課", ("bousai", "madoguchi-dx"), 4), ("総務課", ("bousai", "ai-rpa"), 4),
    ("子育て支援課", ("kosodate",), 5), ("保健福祉課", ("okuyami", "kosodate"), 4),
)  # fmt: skip
PREFECTURE_DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("デジタル戦略課", ("ai-rpa", "gov-cloud", "hyojunka", "madoguchi-dx"), 10), ("情報政策課", SYSTEMS, 6),
    ("市町村課", ("hyojunka", "gov-cloud", "mynumber"), 8), ("危機管理課", ("bousai",), 6),
    ("子ども未来課", ("kosodate",), 4), ("行政改革課", ("ai-rpa", "madoguchi-dx"), 4),
)  # fmt: skip

# Agencies by name; any agency not listed gets GENERIC_AGENCY_DEPARTMENTS.
AGENCY_DEPARTMENTS: dict[str, tuple[tuple[str, tuple[str, ...], int], ...]] = {
    "デジタル庁": (
        ("国民向けサービスグループ", ("mynumber", "kakanai", "madoguchi-dx"), 5),
        ("デジタル社会共通機能グループ", ("gov-cloud", "hyojunka", "mynumber"), 5),
        ("省庁業務サービスグループ", ("ai-rpa", "gov-cloud"), 3),
        ("戦略・組織グループ", ("ai-rpa", "madoguchi-dx"), 2),
    ),
    "総務省": (
        ("自治行政局", ("hyojunka", "gov-cloud", "madoguchi-dx"), 5),
        ("自治行政局 住民制度課", ("mynumber", "madoguchi-dx", "kakanai"), 4),
        ("情報流通行政局", ("ai-rpa",), 2),
    ),
    "厚生労働省": (("保険局", ("mynumber", "hyojunka"), 3), ("社会・援護局", ("okuyami", "bousai"), 3)),
    "こども家庭庁": (("成育局", ("kosodate",), 3), ("支援局", ("kosodate",), 3)),
    "内閣府": (
        ("政策統括官（防災担当）", ("bousai",), 4),
        ("地方創生推進事務局", ("madoguchi-dx", "ai-rpa"), 2),
    ),
    "消防庁": (("国民保護・防災部", ("bousai",), 3),),
    "内閣官房": (("デジタル行財政改革会議事務局", ("ai-rpa", "madoguchi-dx"), 3),),
    "法務省": (("民事局", ("okuyami", "madoguchi-dx"), 3),),
    "国税庁": (("課税部", ("hyojunka", "okuyami"), 3),),
}
GENERIC_AGENCY_DEPARTMENTS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("大臣官房", ("ai-rpa",), 3),
    ("情報システム担当", ("ai-rpa", "gov-cloud"), 2),
)

# (title, weight) by kind of organisation.
MUNICIPAL_TITLES: tuple[tuple[str, int], ...] = (
    ("主事", 20), ("主任", 20), ("主査", 14), ("係長", 18), ("課長補佐", 9), ("副主幹", 4), ("主幹", 5),
    ("課長", 5), ("会計年度任用職員", 2),
)  # fmt: skip
SMALL_MUNICIPAL_TITLES: tuple[tuple[str, int], ...] = (
    ("主事", 18), ("主任", 18), ("主査", 10), ("係長", 20), ("課長補佐", 10), ("課長", 6),
)  # fmt: skip
PREFECTURE_TITLES: tuple[tuple[str, int], ...] = (
    ("主事", 12), ("主任", 16), ("主査", 14), ("副主幹", 8), ("主幹", 10), ("班長", 6), ("課長補佐", 6),
)  # fmt: skip
AGENCY_TITLES: tuple[tuple[str, int], ...] = (
    ("係員", 10), ("係長", 14), ("課長補佐", 14), ("専門官", 8),
    ("企画官", 4), ("参事官補佐", 8), ("主査", 6),
)  # fmt: skip

# What a theme means as work, for self-introductions and interests.
THEME_WORK: dict[str, str] = {
    "madoguchi-dx": "窓口の業務改善",
    "kakanai": "書かない窓口の導入",
    "okuyami": "おくやみコーナーの運営",
    "mynumber": "マイナンバーカードの交付",
    "gov-cloud": "ガバメントクラウドへの移行",
    "hyojunka": "基幹業務システムの標準化",
    "ai-rpa": "生成AIとRPAの推進",
    "kosodate": "子育て支援の手続",
    "bousai": "防災と避難所運営",
}

BIOS: tuple[str, ...] = (
    "{org}{dept}で{work}を担当しています。{bio_line}",
    "{dept}で{work}に取り組んでいます。{bio_line}",
    "{work}の担当になって{years}年目です。{bio_line}",
    "{org}の{name}です。{work}を担当しています。{bio_line}",
)

BIO_SLOTS: dict[str, tuple[str, ...]] = {
    "bio_line": (
        "他団体の皆さんと情報交換できればうれしいです。",
        "前職は民間企業でシステムエンジニアをしていました。",
        "趣味は{hobby}です。",
        "分からないことだらけですが、よろしくお願いします。",
        "勉強会の企画もしています。一緒にやりたい方は声をかけてください。",
        "職員の「やってみよう」を後押しするのが仕事だと思っています。",
    ),
    "hobby": ("キャンプ", "ランニング", "読書", "写真", "サウナ", "料理", "御朱印集め", "ご当地グルメ探し"),
}
# A line only staff of a small town or village would write.
SMALL_TOWN_BIO_LINE = "小さな町村なので何でも屋です。気軽に声をかけてください！"
# A line about the work itself, by theme.
THEME_BIO_LINES: dict[str, str] = {
    "madoguchi-dx": "窓口の待ち時間をゼロにするのが目標です。",
    "kakanai": "「書かない窓口」を当たり前にしたいです。",
    "okuyami": "ご遺族の負担を少しでも減らしたいと思っています。",
    "mynumber": "カードの交付と更新の山をどう越えるか、日々奮闘中です。",
    "gov-cloud": "クラウドの請求書とにらめっこの毎日です。",
    "hyojunka": "標準化の移行をなんとか乗り切りたいです。",
    "ai-rpa": "庁内で生成AIの勉強会を開いています。",
    "kosodate": "子育て世帯の手続をもっと楽にしたいです。",
    "bousai": "いざというときに動ける仕組みを作りたいです。",
}

# How people style their display name in a community like this one.
DISPLAY_NAME_STYLES: tuple[tuple[str, int], ...] = (
    ("{sei} {mei}", 45),
    ("{sei}{mei}", 15),
    ("{sei}（{org}）", 15),
    ("{sei}@{org}", 10),
    ("{sei_kana}", 5),
    ("{mei_romaji} {sei_romaji}", 5),
    ("{sei} {mei_kana}", 5),
)


class Profile(TypedDict):
    """The fixed profile fields of a demo account (the keyword arguments they give PlannedMember)."""

    full_name: str
    full_name_kana: str
    display_name: str
    department: str
    title: str
    bio: str


# The two accounts the Quick start prints; their passwords: kyoso.demo.members and kyoso.demo.passwords.
DEMO_MEMBER_PROFILE: Profile = {
    "full_name": "森田 結衣",
    "full_name_kana": "もりた ゆい",
    "display_name": "森田 結衣",
    "department": "市民課",
    "title": "主任",
    "bio": "久留米市市民課で住民異動届とマイナンバーカードの窓口を担当しています。"
    "書かない窓口の導入に向けて勉強中です。他団体の皆さんの工夫をたくさん知りたいです。",
}
DEMO_OPERATOR_PROFILE: Profile = {
    "full_name": "坂本 直樹",
    "full_name_kana": "さかもと なおき",
    "display_name": "坂本（運営）",
    "department": "国民向けサービスグループ",
    "title": "コミュニティマネージャー",
    "bio": "このコミュニティの運営を担当しています。困ったこと、やってみたいことがあれば、"
    "お知らせチャンネルか運営まで気軽にご連絡ください。",
}
DEMO_MEMBER_THEMES = ("madoguchi-dx", "kakanai", "okuyami", "mynumber")
