"""Find mentions of SCO member states in Chinese, English and Russian text.

One big regular expression per language (compiled lazily, once, and cached at
module level) holds the whole gazetteer: country names (official, short and
historic forms, with Russian case endings), adjectives and demonyms, "side"
forms (中方, "the Indian side", российская сторона), capitals used for their
governments (北京, the Kremlin, Москва), leaders (习近平, Putin, Токаев) and
abbreviations (fused Chinese runs such as 中俄 or 中吉乌, Sino-/Indo-
prefixes).  Each entry of the gazetteer is one named group of that expression;
the groups are ordered by priority (names before leaders before capitals ...)
so that, at one starting position, the more specific form wins.  Every pattern
is a short literal-led alternation (no nested quantifiers), so matching is
linear in the text.

Chinese one-character abbreviations are ambiguous (巴 is Pakistan in 中巴经济走廊
but Brazil in 中巴关系 of a Brazil story, 乌 is Uzbekistan or Ukraine), so they are
matched only in a compound context (a fused run of at least two state
characters followed by a word like 关系, 两国, 合作; or X方), and are dropped when
the same text names a confusable state (乌克兰, 巴西, 巴勒斯坦, 伊拉克 ...) but never
names the member itself.  乌 next to 俄 (俄乌) is read as Ukraine.

The speaker rule: in a speech (`doc_type == "speech"`) by a member state
(`speaker_state`), first-person forms (我们/我国, we/our, мы/наш ...) are mentions
of the speaker's state with ``how="speaker"``, and so is the speaker's own side
form (中方 in a Chinese speech).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.codebook import LANGS, MEMBERS
from pipeline.records import Mention

__all__ = ["HOWS", "LANGS", "Mention", "find_mentions"]

HOWS = ("name", "adjective", "side", "capital", "leader", "abbrev", "speaker")


@dataclass(frozen=True)
class _Entry:
    state: str  # a member code, or "FUSED" for a Chinese fused run, "SPEAKER" for first person
    how: str
    patterns: tuple[str, ...]
    since: int | None = None  # leaders: a match in a year before this is dropped


def _e(state: str, how: str, *patterns: str, since: int | None = None) -> _Entry:
    return _Entry(state, how, tuple(patterns), since)


# ---------------------------------------------------------------------------
# Chinese
# ---------------------------------------------------------------------------

# One-character state abbreviations used in fused runs and X方 forms.
_ZH_ABBREV = {
    "中": "CHN", "俄": "RUS", "哈": "KAZ", "吉": "KGZ", "塔": "TJK",
    "乌": "UZB", "印": "IND", "巴": "PAK", "伊": "IRN", "白": "BLR", "白俄": "BLR",
}
# Abbreviations of non-members that may sit inside a run (中俄蒙三国, 中阿巴三方);
# they produce no mention.
_ZH_OTHER = "美日韩蒙欧非阿土越缅泰柬朝法德英澳"
# 白 is Belarus only where 白俄 is not (one parse per run: no exponential backtracking).
_ZH_MEMBER_EL = r"(?:白俄(?!罗斯)|白(?!俄)|[中俄哈吉塔乌印巴伊])"
_ZH_RUN_MAX = 10  # elements after the first; bounds the work per start position
_ZH_OTHER_EL = f"[{_ZH_OTHER}]"
# Characters after which a state character is the end of an ordinary word: 其中, 打印, 明白, 灯塔 ...
_ZH_NOT_AFTER = {
    "中": "其集之当空心手暗从正命高初途华居适",
    "印": "打影复烙刊翻排油铅付盖脚手",
    "白": "明空黑蛋坦表告独洁雪苍",
    "塔": "灯宝铁水金佛高",
    "巴": "下嘴尾泥锅结",
    "哈": "哈",
    "伊": "木",
    "吉": "大",
    "乌": "金",
}


def _zh_free(ch: str) -> str:
    """The state character `ch` where it does not end a preceding word."""
    before = _ZH_NOT_AFTER.get(ch)
    return f"(?<![{before}]){ch}" if before else ch


# A member element that starts a run (白俄 before 白).
_ZH_MEMBER_FIRST = "(?:" + "|".join(
    [_zh_free("白") + "俄(?!罗斯)", _zh_free("白") + "(?!俄)"] + [_zh_free(ch) for ch in "中俄哈吉塔乌印巴伊"]
) + ")"
# Words that make a run of abbreviations a compound (中俄关系, 印巴两国, 中吉乌铁路 ...).
_ZH_CONTEXT = (
    "关系", "两国", "三国", "四国", "五国", "六国", "多国", "双边", "双方", "三方", "多方", "双多边", "边界",
    "边境", "界河", "合作", "友好", "友谊", "战略", "铁路", "公路", "管道", "天然气", "油气", "石油", "元首",
    "外长", "防长", "总理", "总统", "首脑", "领导人", "联合", "之间", "间", "签署", "经贸", "贸易", "经济",
    "睦邻", "全面", "伙伴", "建交", "会谈", "会晤", "峰会", "军演", "联演", "演习", "两军", "军事", "国防",
    "安全", "反恐", "议会", "人文", "能源", "投资", "互信", "协作", "高层", "科技", "农业", "务实", "传统",
    "政府", "企业", "青年", "媒体", "文化", "旅游", "地方", "博览会", "工业", "走廊", "口岸", "航线", "班列",
    "商会", "智库", "命运共同体", "新时代", "铁杆", "冲突", "局势", "谈判", "和谈", "停火", "对话", "磋商",
    "委员会", "政府间", "交流", "共同", "友城", "货运", "跨境", "全天候", "永久", "执政党", "体育", "人民",
    "世代", "政治", "原油", "资源", "高质量", "高水平", "全方位", "中长期", "相互", "携手", "文化年", "教育",
    "自贸", "执法", "东线", "西线", "历史",
)
_ZH_CONTEXT_RX = "|".join(sorted(_ZH_CONTEXT, key=len, reverse=True))
# A run that begins or ends with 中 (中俄是..., 哈中有着...) may also be followed by these: the run is
# then the subject or a modifier.  Not for other runs: 哈吉, 巴塔 ... occur inside transliterated names.
_ZH_CONTEXT_CHN = (
    "[是在要将也都还同为互均有已视的之与和及等各两三四五六全共第再]|始终|保持|坚定|坚持|作为|贡献|力量|成功"
)
_ZH_FUSED = (
    f"(?:{_ZH_OTHER_EL}、?(?:{_ZH_OTHER_EL}、?){{0,3}}{_ZH_MEMBER_EL}|{_ZH_MEMBER_FIRST})"
    f"(?:、?{_ZH_OTHER_EL}){{0,3}}、?{_ZH_MEMBER_EL}"
    f"(?:、?(?:{_ZH_MEMBER_EL}|{_ZH_OTHER_EL})){{0,{_ZH_RUN_MAX}}}"
    f"(?=(?:{_ZH_CONTEXT_RX}))"
)
_ZH_FUSED_CHN = (
    f"{_zh_free('中')}(?:、?{_ZH_MEMBER_EL}){{1,{_ZH_RUN_MAX}}}(?={_ZH_CONTEXT_CHN})",
    f"{_ZH_MEMBER_FIRST}(?:、?{_ZH_MEMBER_EL}){{0,{_ZH_RUN_MAX}}}、?中(?={_ZH_CONTEXT_CHN})",
)
_ZH_FUSED_EL_RX = re.compile(r"白俄|[中俄哈吉塔乌印巴伊白]")

# X方: not 方案/方法/方式/方向/方面/方针 ...
_ZH_SIDE_NOT = "(?![案法式向面位针便圆块格舱阵剂形程])"

_ZH_DOT = "[·・•‧．.]"

_ZH: tuple[_Entry, ...] = (
    # names
    _e("CHN", "name", "中华人民共和国", "中国"),
    _e("BLR", "name", "白俄罗斯共和国", "白俄罗斯"),
    _e("RUS", "name", "俄罗斯联邦", "俄罗斯", "俄联邦", "俄国"),
    _e("KAZ", "name", "哈萨克斯坦共和国", "哈萨克斯坦"),
    _e("KGZ", "name", "吉尔吉斯斯坦", "吉尔吉斯共和国", "吉尔吉斯"),
    _e("TJK", "name", "塔吉克斯坦共和国", "塔吉克斯坦"),
    _e("UZB", "name", "乌兹别克斯坦共和国", "乌兹别克斯坦"),
    _e("IND", "name", "印度共和国", "印度(?!洋|尼西亚|支那|教|河|次大陆)"),
    _e("PAK", "name", "巴基斯坦伊斯兰共和国", "巴基斯坦", "巴铁"),
    _e("IRN", "name", "伊朗伊斯兰共和国", "伊朗"),
    # leaders (before capitals: 努尔苏丹·纳扎尔巴耶夫 is a person)
    _e("CHN", "leader", "习近平", since=2007),
    _e("CHN", "leader", "胡锦涛", since=1992),
    _e("CHN", "leader", "江泽民", since=1985),
    _e("CHN", "leader", "李克强", since=2007),
    _e("CHN", "leader", "李强", since=2012),
    _e("CHN", "leader", "温家宝", since=1998),
    _e("CHN", "leader", "朱镕基", since=1991),
    _e("CHN", "leader", "李鹏", since=1987),
    _e("CHN", "leader", "王毅", since=2003),
    # other central leaders and ministers who represent China at SCO meetings (CCTV reports them by name)
    _e("CHN", "leader", "丁薛祥", "赵乐际", "王沪宁", "韩正", "汪洋", "栗战书", "王岐山", "张高丽", "张德江",
       "俞正声", "李希", "何立峰", "胡春华", "杨洁篪", "秦刚", "魏凤和", "董军", "王小洪", "赵克志", "孟建柱",
       "王文涛", "钟山", "高虎城", since=2007),
    _e("CHN", "leader", "蔡奇(?!斯)", since=2012),
    _e("RUS", "leader", "普京", since=1999),
    _e("RUS", "leader", "梅德韦杰夫", since=2000),
    _e("RUS", "leader", "拉夫罗夫", since=1994),
    _e("RUS", "leader", "叶利钦", since=1985),
    _e("RUS", "leader", "米舒斯京", since=2020),
    _e("IND", "leader", "莫迪", since=2001),
    _e("IND", "leader", "苏杰生", since=2015),
    _e("PAK", "leader", f"(?:纳瓦兹|夏巴兹|沙巴兹){_ZH_DOT}?谢里夫", "谢里夫", since=1990),
    _e("PAK", "leader", f"伊姆兰{_ZH_DOT}?汗", since=1996),
    _e("PAK", "leader", "夏巴兹", since=1997),
    _e("PAK", "leader", "穆沙拉夫", since=1998),
    _e("PAK", "leader", "扎尔达里", since=1990),
    _e("IRN", "leader", "(?<![布克格])莱希(?![特滕])", since=2014),
    _e("IRN", "leader", "佩泽希齐扬", since=2000),
    _e("IRN", "leader", "鲁哈尼", since=1989),
    _e("IRN", "leader", "艾哈迈迪[-－‐]?内贾德", "内贾德", since=2003),
    _e("IRN", "leader", "哈塔米", since=1997),
    _e("IRN", "leader", "哈梅内伊", since=1981),
    _e("BLR", "leader", "卢卡申科", since=1994),
    _e("KAZ", "leader", "托卡耶夫", since=1994),
    _e("KAZ", "leader", f"努尔苏丹{_ZH_DOT}?纳扎尔巴耶夫", "纳扎尔巴耶夫", since=1984),
    _e("UZB", "leader", "米尔济约耶夫", since=2003),
    _e("UZB", "leader", "卡里莫夫", since=1989),
    _e("TJK", "leader", "拉赫莫诺夫", "拉赫蒙", since=1992),
    _e("KGZ", "leader", "扎帕罗夫", since=2005),
    _e("KGZ", "leader", "热恩别科夫", since=2007),
    _e("KGZ", "leader", "阿坦巴耶夫", since=2007),
    _e("KGZ", "leader", "巴基耶夫", since=2000),
    _e("KGZ", "leader", "阿卡耶夫", since=1990),
    # capitals as governments
    _e("CHN", "capital", "北京(?!时间|大学)"),
    _e("RUS", "capital", "莫斯科", "克里姆林宫"),
    _e("IND", "capital", "新德里"),
    _e("PAK", "capital", "伊斯兰堡"),
    _e("IRN", "capital", "德黑兰"),
    _e("BLR", "capital", "明斯克"),
    _e("KAZ", "capital", "阿斯塔纳(?!进程|模式|和谈)", "努尔苏丹"),
    _e("KGZ", "capital", "比什凯克"),
    _e("TJK", "capital", "杜尚别"),
    _e("UZB", "capital", "塔什干"),
    # side forms
    _e("CHN", "side", f"{_zh_free('中')}方{_ZH_SIDE_NOT}"),
    _e("BLR", "side", f"白俄方{_ZH_SIDE_NOT}", f"{_zh_free('白')}方{_ZH_SIDE_NOT}"),
    _e("RUS", "side", f"俄方{_ZH_SIDE_NOT}"),
    _e("KAZ", "side", f"{_zh_free('哈')}方{_ZH_SIDE_NOT}"),
    _e("KGZ", "side", f"{_zh_free('吉')}方{_ZH_SIDE_NOT}"),
    _e("TJK", "side", f"{_zh_free('塔')}方{_ZH_SIDE_NOT}"),
    _e("UZB", "side", f"{_zh_free('乌')}方{_ZH_SIDE_NOT}"),
    _e("IND", "side", f"{_zh_free('印')}方{_ZH_SIDE_NOT}"),
    _e("PAK", "side", f"{_zh_free('巴')}方{_ZH_SIDE_NOT}"),
    _e("IRN", "side", f"{_zh_free('伊')}方{_ZH_SIDE_NOT}"),
    # adjectives / demonym stems (not the Chinese ethnic minorities 哈萨克族 ...)
    _e("KAZ", "adjective", "哈萨克(?!族)"),
    _e("TJK", "adjective", "塔吉克(?!族)"),
    _e("UZB", "adjective", "乌兹别克(?!族)"),
    # abbreviations
    _e("FUSED", "abbrev", _ZH_FUSED, *_ZH_FUSED_CHN),
    _e("BLR", "abbrev", "白俄(?!罗斯)"),
)

_ZH_SPEAKER = _e(
    "SPEAKER", "speaker", "我们", "我国", "我方", "咱们",
    "(?<![日基资根成样版剧读课账书文])本国(?!际)",
)

# Doc-level disambiguation of Chinese one-character forms: if the text names a
# confusable state and never the member itself, the member's one-char forms go.
_ZH_CONFUSABLE = {
    "UZB": re.compile("乌克兰"),
    "IRN": re.compile("伊拉克"),
    "PAK": re.compile("巴勒斯坦|巴西|巴林|巴拿马"),
    "IND": re.compile("印度尼西亚|印尼"),
    "KAZ": re.compile("哈马斯"),
    "TJK": re.compile("塔利班"),
    "KGZ": re.compile("吉布提"),
}

# ---------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------

_S = r"\s+"  # a space, or a line break inside a name
_APOS = "['’]"
_HY = "[-‐–]"


def _caps(*words: str) -> tuple[str, ...]:
    """Each word and its ALL-CAPS form (UN records have headings in capitals)."""
    out: list[str] = []
    for w in words:
        out.append(w)
        if w.upper() != w:
            out.append(w.upper())
    return tuple(out)


def _en_side(adj: str) -> str:
    return rf"(?:{adj}){_S}side"


_EN_INNER: tuple[_Entry, ...] = (
    # names
    _e("CHN", "name", rf"People{_APOS}s{_S}Republic{_S}of{_S}China",
       *(rf"(?<!Indo-)(?<!Indo‐)(?<!Republic of ){w}(?!{_S}Sea)" for w in _caps("China")), "PRC"),
    _e("RUS", "name", rf"Russian{_S}Federation", *_caps("Russia")),
    _e("KAZ", "name", rf"Kazakh{_S}(?:SSR|Soviet{_S}Socialist{_S}Republic)", *_caps("Kazakhstan", "Kazakstan")),
    _e("KGZ", "name", rf"Kyrgyz{_S}Republic", rf"Kirghiz{_S}(?:SSR|Soviet{_S}Socialist{_S}Republic)",
       *_caps("Kyrgyzstan", "Kirghizia", "Kirgizia", "Kirghizstan", "Kyrghyzstan")),
    _e("TJK", "name", rf"Tajik{_S}(?:SSR|Soviet{_S}Socialist{_S}Republic)",
       *_caps("Tajikistan", "Tadjikistan", "Tadzhikistan")),
    _e("UZB", "name", rf"Uzbek{_S}(?:SSR|Soviet{_S}Socialist{_S}Republic)", *_caps("Uzbekistan")),
    _e("IND", "name", *_caps("India")),
    _e("PAK", "name", *_caps("Pakistan")),
    _e("IRN", "name", rf"Islamic{_S}Republic{_S}of{_S}Iran", *_caps("Iran", "Persia")),
    _e("BLR", "name", rf"(?:Byelorussian|Belorussian){_S}(?:SSR|Soviet{_S}Socialist{_S}Republic)",
       *_caps("Belarus", "Byelorussia", "Belorussia")),
    # leaders
    _e("CHN", "leader", rf"Xi{_S}Jinping", rf"Xi(?!{_APOS}an|{_HY}an)", since=2007),
    _e("CHN", "leader", rf"Hu{_S}Jintao", since=1992),
    _e("CHN", "leader", rf"Jiang{_S}Zemin", since=1985),
    _e("CHN", "leader", rf"Li{_S}Keqiang", since=2007),
    _e("CHN", "leader", rf"Li{_S}Qiang", since=2012),
    _e("CHN", "leader", rf"Wen{_S}Jiabao", since=1998),
    _e("CHN", "leader", rf"Zhu{_S}Rongji", since=1991),
    _e("CHN", "leader", rf"Li{_S}Peng", since=1987),
    _e("CHN", "leader", rf"Wang{_S}Yi", since=2003),
    _e("RUS", "leader", "Putin", since=1999),
    _e("RUS", "leader", "Medvedev", since=2000),
    _e("RUS", "leader", "Lavrov", since=1994),
    _e("RUS", "leader", "Yeltsin", since=1985),
    _e("RUS", "leader", "Mishustin", since=2020),
    _e("IND", "leader", "Modi", since=2001),
    _e("IND", "leader", "Jaishankar", since=2015),
    # Bare "Sharif" is mostly al-Quds al-Sharif or Mazar-i-Sharif: only after a given name or a title.
    _e("PAK", "leader", rf"(?:Nawaz|Shehbaz|Shahbaz|Shebaz){_S}Sharif",
       *(rf"(?<={re.escape(t)} )Sharif" for t in ("Minister", "Mr.", "Mr", "President", "Premier", "PM")),
       since=1990),
    _e("PAK", "leader", rf"Imran{_S}Khan", since=1996),
    _e("PAK", "leader", "Musharraf", since=1998),
    _e("PAK", "leader", "Zardari", since=1990),
    _e("IRN", "leader", "Raisi", since=2014),
    _e("IRN", "leader", "Pezeshkian", since=2000),
    _e("IRN", "leader", "Rouhani", "Rowhani", since=1989),
    _e("IRN", "leader", "Ahmadinejad", since=2003),
    _e("IRN", "leader", "Khatami", since=1997),
    _e("IRN", "leader", "Khamenei", since=1981),
    _e("BLR", "leader", "Lukashenko", "Lukashenka", since=1994),
    _e("KAZ", "leader", "Tokayev", "Tokaev", since=1994),
    _e("KAZ", "leader", "Nazarbayev", "Nazarbaev", since=1984),
    _e("UZB", "leader", "Mirziyoyev", "Mirziyoev", since=2003),
    _e("UZB", "leader", "Karimov", since=1989),
    _e("TJK", "leader", "Rahmon", "Rakhmon", "Rakhmonov", "Rahmonov", since=1992),
    _e("KGZ", "leader", "Japarov", "Zhaparov", "Djaparov", since=2005),
    _e("KGZ", "leader", "Jeenbekov", "Zheenbekov", since=2007),
    _e("KGZ", "leader", "Atambayev", "Atambaev", since=2007),
    _e("KGZ", "leader", "Bakiyev", "Bakiev", since=2000),
    _e("KGZ", "leader", "Akayev", "Akaev", since=1990),
    # capitals
    _e("CHN", "capital", rf"Beijing(?!{_S}(?:Platform|Declaration|Rules|Conference|Olympic)|\s*\+)", "Peking"),
    _e("RUS", "capital", "Moscow", "Kremlin"),
    _e("IND", "capital", rf"New{_S}Delhi"),
    _e("PAK", "capital", "Islamabad"),
    _e("IRN", "capital", "Tehran", "Teheran"),
    _e("BLR", "capital", rf"Minsk(?!{_S}(?:Group|group|[Pp]rocess))"),
    _e("KAZ", "capital", rf"Astana(?!{_S}(?:process|format|talks|channels?|peace|guarantors?|group))",
       rf"Nur{_HY}Sultan"),
    _e("KGZ", "capital", "Bishkek"),
    _e("TJK", "capital", "Dushanbe"),
    _e("UZB", "capital", "Tashkent"),
    # side forms
    _e("CHN", "side", _en_side("Chinese")),
    _e("RUS", "side", _en_side("Russian")),
    _e("KAZ", "side", _en_side("Kazakhstani|Kazakh")),
    _e("KGZ", "side", _en_side("Kyrgyzstani|Kyrgyz|Kirghiz")),
    _e("TJK", "side", _en_side("Tajikistani|Tajik")),
    _e("UZB", "side", _en_side("Uzbekistani|Uzbek")),
    _e("IND", "side", _en_side("Indian")),
    _e("PAK", "side", _en_side("Pakistani")),
    _e("IRN", "side", _en_side("Iranian")),
    _e("BLR", "side", _en_side("Belarusian|Belarussian")),
    # adjectives and demonyms
    _e("CHN", "adjective", rf"(?<!Indo-)(?<!Indo‐)Chinese(?!{_S}Taipei)"),
    _e("RUS", "adjective", "Russians?"),
    _e("KAZ", "adjective", "Kazakhstanis?", "Kazakhs?"),
    _e("KGZ", "adjective", "Kyrgyzstanis?", "Kyrgyz", "Kirghiz", "Kirgiz"),
    _e("TJK", "adjective", "Tajikistanis?", "Tajiks?", "Tadjiks?"),
    _e("UZB", "adjective", "Uzbekistanis?", "Uzbeks?"),
    _e("IND", "adjective", rf"(?<!American )(?<!West )Indians?(?!{_S}[Oo]cean|{_S}[Ss]ubcontinent)"),
    _e("PAK", "adjective", "Pakistanis?"),
    _e("IRN", "adjective", "Iranians?"),
    _e("BLR", "adjective", "Belarusians?", "Belarussians?", "Byelorussians?", "Belorussians?"),
    # abbreviations: Sino-Russian, Indo-Pakistani
    _e("CHN", "abbrev", rf"Sino(?={_HY}[A-Z])"),
    _e("IND", "abbrev",
       rf"Indo(?={_HY}(?:Pak|Soviet|Russia|US\b|U\.S|American|Sri|Bangla|Nepal|Bhutan|Iran|Afghan|Japan|Sino))"),
)
# Word-bound every English entry.
_EN = tuple(_Entry(e.state, e.how, tuple(rf"\b{p}\b" for p in e.patterns), e.since) for e in _EN_INNER)
_EN_SPEAKER = _e("SPEAKER", "speaker",
                 r"\b(?:[Ww]e|WE|[Oo]urs?|OURS?|[Uu]s|[Oo]urselves|OURSELVES)\b")

# ---------------------------------------------------------------------------
# Russian
# ---------------------------------------------------------------------------

_ADJ = r"(?:ий|ый|ая|ое|ие|ые|ого|ому|им|ым|ом|ой|ую|их|ых|ими|ыми|ою|о(?=[-‐–]))"
_ADJ_F = r"(?:ая|ой|ую|ою)"  # feminine singular (сторона, республика, федерация)
_N_STAN = r"(?:а|у|ом|е)?"  # Пакистан, -а, -у, -ом, -е
_N_IJA = r"(?:я|и|ю|ей|ею)"  # Россия, -и, -ю, -ей
_SUR = r"(?:а|у|ым|ом|е)?"  # Путин, -а, -у, -ым, -е
_REP = r"Республик(?:а|и|е|у|ой|ою)"
_DEMO_C = r"(?:а|у|ем|е|ы|ев|ам|ами|ах)"  # китайц-ы, пакистанц-ев ...
_DEMO = r"(?:ы|ов|ам|ами|ах|а|у|ом|е)?"  # таджик-и, узбек-ов ...


def _ru_adj(*stems: str) -> str:
    return "(?:" + "|".join(f"[{s[0].upper()}{s[0]}]{s[1:]}" for s in stems) + f"){_ADJ}"


def _ru_side(*stems: str) -> str:
    st = "|".join(f"[{s[0].upper()}{s[0]}]{s[1:]}" for s in stems)
    return rf"(?:{st}){_ADJ_F}{_S}сторон(?:а|ы|е|у|ой|ою)"


_RU_INNER: tuple[_Entry, ...] = (
    # names
    _e("CHN", "name", rf"Китайск{_ADJ_F}{_S}Народн{_ADJ_F}{_S}{_REP}", r"Кита(?:й|я|ю|ем|е)", "КНР",
       r"Поднебесн(?:ая|ой|ую)"),
    _e("RUS", "name", rf"Российск{_ADJ_F}{_S}Федераци{_N_IJA}", f"Росси{_N_IJA}", "РФ"),
    _e("KAZ", "name", f"Казахстан{_N_STAN}"),
    _e("KGZ", "name", rf"Кыргызск{_ADJ_F}{_S}{_REP}", f"Кыргызстан{_N_STAN}", f"Киргизстан{_N_STAN}",
       f"Киргизи{_N_IJA}"),
    _e("TJK", "name", f"Таджикистан{_N_STAN}"),
    _e("UZB", "name", f"Узбекистан{_N_STAN}"),
    _e("IND", "name", f"Инди{_N_IJA}"),
    _e("PAK", "name", f"Пакистан{_N_STAN}"),
    _e("IRN", "name", f"Иран{_N_STAN}"),
    _e("BLR", "name", r"Беларус(?:ь|и|ью)", f"Белорусси{_N_IJA}"),
    # leaders
    _e("CHN", "leader", r"Си\s+Цзиньпин(?:а|у|ом|е)?", since=2007),
    _e("CHN", "leader", r"Ху\s+Цзиньтао", since=1992),
    _e("CHN", "leader", r"Цзян\s+Цзэминь(?:я|ю|ем|е)?", since=1985),
    _e("CHN", "leader", r"Ли\s+Кэцян(?:а|у|ом|е)?", since=2007),
    _e("CHN", "leader", r"Ли\s+Цян(?:а|у|ом|е)?", since=2012),
    _e("CHN", "leader", r"Вэнь\s+Цзябао", since=1998),
    _e("CHN", "leader", r"Ван\s+И", since=2003),
    _e("RUS", "leader", f"Путин{_SUR}", since=1999),
    _e("RUS", "leader", f"Медведев{_SUR}", since=2000),
    _e("RUS", "leader", f"Лавров{_SUR}", since=1994),
    _e("RUS", "leader", f"Ельцин{_SUR}", since=1985),
    _e("RUS", "leader", f"Мишустин{_SUR}", since=2020),
    _e("IND", "leader", "Моди", since=2001),
    _e("IND", "leader", "Джайшанкар(?:а|у|ом|е)?", since=2015),
    _e("PAK", "leader", rf"(?<![-‐])(?<!аль )(?<!Аль )Шариф{_SUR}", since=1990),
    _e("PAK", "leader", r"Имран(?:а|у|ом|е)?\s+Хан(?:а|у|ом|е)?", since=1996),
    _e("PAK", "leader", f"Мушарраф{_SUR}", since=1998),
    _e("PAK", "leader", "Зардари", since=1990),
    _e("IRN", "leader", "Раиси", since=2014),
    _e("IRN", "leader", f"Пезешкиан{_SUR}", since=2000),
    _e("IRN", "leader", "Роухани", since=1989),
    _e("IRN", "leader", f"Ахмадинежад{_SUR}", since=2003),
    _e("IRN", "leader", "Хатами", since=1997),
    _e("IRN", "leader", "Хаменеи", since=1981),
    _e("BLR", "leader", "Лукашенко", since=1994),
    _e("KAZ", "leader", f"Токаев{_SUR}", since=1994),
    _e("KAZ", "leader", f"Назарбаев{_SUR}", since=1984),
    _e("UZB", "leader", f"Мирзи[её]ев{_SUR}", since=2003),
    _e("UZB", "leader", f"Каримов{_SUR}", since=1989),
    _e("TJK", "leader", f"Рахмонов{_SUR}", f"Рахмон{_SUR}", since=1992),
    _e("KGZ", "leader", f"Жапаров{_SUR}", f"Джапаров{_SUR}", since=2005),
    _e("KGZ", "leader", f"Ж[еэ]энбеков{_SUR}", f"Жеенбеков{_SUR}", since=2007),
    _e("KGZ", "leader", f"Атамбаев{_SUR}", since=2007),
    _e("KGZ", "leader", f"Бакиев{_SUR}", since=2000),
    _e("KGZ", "leader", f"Акаев{_SUR}", since=1990),
    # capitals
    _e("CHN", "capital", f"Пекин{_N_STAN}"),
    _e("RUS", "capital", r"Москв(?:а|ы|е|у|ой|ою)(?![-‐–]рек)", r"Кремл(?:ь|я|ю|ем|ём|е)"),
    _e("IND", "capital", r"Нью[-‐–]Дели"),
    _e("PAK", "capital", f"Исламабад{_N_STAN}"),
    _e("IRN", "capital", f"Тегеран{_N_STAN}"),
    _e("BLR", "capital", f"Минск{_N_STAN}"),
    _e("KAZ", "capital", r"Астан(?:а|ы|е|у|ой|ою)", rf"Нур[-‐–]Султан{_N_STAN}"),
    _e("KGZ", "capital", f"Бишкек{_N_STAN}"),
    _e("TJK", "capital", "Душанбе"),
    _e("UZB", "capital", f"Ташкент{_N_STAN}"),
    # side forms
    _e("CHN", "side", _ru_side("китайск")),
    _e("RUS", "side", _ru_side("российск")),
    _e("KAZ", "side", _ru_side("казахстанск", "казахск")),
    _e("KGZ", "side", _ru_side("кыргызск", "киргизск", "кыргызстанск")),
    _e("TJK", "side", _ru_side("таджикск", "таджикистанск")),
    _e("UZB", "side", _ru_side("узбекск", "узбекистанск")),
    _e("IND", "side", _ru_side("индийск")),
    _e("PAK", "side", _ru_side("пакистанск")),
    _e("IRN", "side", _ru_side("иранск")),
    _e("BLR", "side", _ru_side("белорусск")),
    # adjectives and demonyms
    _e("CHN", "adjective", _ru_adj("китайск"), rf"[Кк]ита(?:ец|йц{_DEMO_C})"),
    _e("RUS", "adjective", _ru_adj("российск"), r"[Рр]усско(?=[-‐–])",
       r"[Рр]оссиян(?:ин|ина|ину|ином|ине|е|ам|ами|ах)?", r"[Рр]оссиянк(?:а|и|е|у|ой|ам|ами|ах)?"),
    _e("KAZ", "adjective", _ru_adj("казахстанск", "казахск"), f"[Кк]азахстанц{_DEMO_C}", f"[Кк]азах{_DEMO}"),
    _e("KGZ", "adjective", _ru_adj("кыргызстанск", "кыргызск", "киргизск"), f"[Кк]ыргыз{_DEMO}",
       f"[Кк]иргиз{_DEMO}"),
    _e("TJK", "adjective", _ru_adj("таджикистанск", "таджикск"), f"[Тт]аджик{_DEMO}"),
    _e("UZB", "adjective", _ru_adj("узбекистанск", "узбекск"), f"[Уу]збек{_DEMO}"),
    _e("IND", "adjective", rf"{_ru_adj('индийск')}(?!{_S}океан)", rf"[Ии]нди(?:ец|йц{_DEMO_C})"),
    _e("PAK", "adjective", _ru_adj("пакистанск"), rf"[Пп]акистан(?:ец|ц{_DEMO_C})"),
    _e("IRN", "adjective", _ru_adj("иранск"), rf"[Ии]ран(?:ец|ц{_DEMO_C})"),
    _e("BLR", "adjective", _ru_adj("белорусск"), f"[Бб]елорус{_DEMO}"),
)


def _ru_bound(p: str) -> str:
    # \b works for Cyrillic in str patterns; a trailing lookahead ((?!\s+океан)) must follow the \b.
    return rf"\b{p}\b"


_RU = tuple(_Entry(e.state, e.how, tuple(_ru_bound(p) for p in e.patterns), e.since) for e in _RU_INNER)
_RU_SPEAKER = _e(
    "SPEAKER", "speaker",
    r"\b(?:[Мм]ы|МЫ|[Нн]аш(?:а|е|и|ей|его|ему|им|ими|их|у|ем)?|[Нн]ам|[Нн]ами|[Нн]ас)\b",
)

_SPECS: dict[str, tuple[tuple[_Entry, ...], _Entry]] = {
    "zh": (_ZH, _ZH_SPEAKER),
    "en": (_EN, _EN_SPEAKER),
    "ru": (_RU, _RU_SPEAKER),
}

# ---------------------------------------------------------------------------
# Compilation (lazy, cached) and matching
# ---------------------------------------------------------------------------

_CACHE: dict[tuple[str, bool], tuple[re.Pattern[str], dict[str, _Entry]]] = {}

_META = set("\\.^$*+?{}()|[]")


def _close(p: str, i: int) -> int:
    """Index of the bracket closing the one opened at p[i] ('(' or '[')."""
    if p[i] == "[":
        j = i + 1
        while p[j] != "]":
            j += 2 if p[j] == "\\" else 1
        return j
    depth, j = 0, i
    while True:
        ch = p[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            j = _close(p, j) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return j
        j += 1


def _split_top(body: str) -> list[str]:
    """Split an alternation at its top-level bars."""
    parts, depth, cur, j = [], 0, 0, 0
    while j < len(body):
        ch = body[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            j = _close(body, j) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(body[cur:j])
            cur = j + 1
        j += 1
    parts.append(body[cur:])
    return parts


def _leads(p: str) -> list[tuple[str, str]]:
    """Rewrite a pattern as [(first literal character, regex for the rest)].

    Python's re only skips quickly over positions where no match can start when every branch
    of the top-level alternation begins with a literal character; so leading \\b and negative
    lookbehinds are moved after the first character ((?<!X)c... -> c(?<!Xc)...), and leading
    character classes and (?:a|b) groups are expanded.
    """
    behind: list[str] = []
    i = 0
    while True:
        if p.startswith("\\b", i):
            behind.append("(?<!\\w)")
            i += 2
        elif p.startswith("(?<!", i) or p.startswith("(?<=", i):
            j = _close(p, i)
            behind.append(p[i:j + 1])
            i = j + 1
        else:
            break
    prefix = "".join(behind)
    if p.startswith("(?:", i):
        j = _close(p, i)
        if j + 1 < len(p) and p[j + 1] in "?*+{":
            raise ValueError(f"optional group at the start of {p!r}")
        rest = p[j + 1:]
        return [lead for alt in _split_top(p[i + 3:j]) for lead in _leads(prefix + alt + rest)]
    if p[i] == "[":
        j = _close(p, i)
        chars = p[i + 1:j]
        if any(ch in _META or ch == "-" for ch in chars) or chars.startswith("^"):
            raise ValueError(f"leading class too complex in {p!r}")
        heads, rest = list(chars), p[j + 1:]
    else:
        heads, rest = [p[i]], p[i + 1:]
        if heads[0] in _META:
            raise ValueError(f"pattern {p!r} does not start with a literal")
    if rest[:1] in ("?", "*", "+", "{"):
        raise ValueError(f"optional first character in {p!r}")
    # (?<!X) before c is (?<!Xc) after it; the same for (?<=X).
    return [(c, "".join(f"{b[:4]}(?:{b[4:-1]}){re.escape(c)})" for b in behind) + rest) for c in heads]


def _compiled(lang: str, with_speaker: bool) -> tuple[re.Pattern[str], dict[str, _Entry]]:
    """The language's gazetteer as one regex, a trie on the first character; groups name entries."""
    key = (lang, with_speaker)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    entries, speaker = _SPECS[lang]
    if with_speaker:
        entries = entries + (speaker,)
    by_char: dict[str, list[tuple[int, str]]] = {}
    for i, entry in enumerate(entries):
        for p in entry.patterns:
            if re.compile(p).groups:  # a capturing group would break m.lastgroup
                raise AssertionError(f"capturing group in gazetteer pattern {p!r}")
            for c, rest in _leads(p):
                by_char.setdefault(c, []).append((i, rest))
    groups: dict[str, _Entry] = {}
    branches: list[str] = []
    for c, rests in by_char.items():
        alts: list[str] = []
        k = 0
        while k < len(rests):  # consecutive rests of one entry share a group (order kept)
            i = rests[k][0]
            same = []
            while k < len(rests) and rests[k][0] == i:
                same.append(rests[k][1])
                k += 1
            name = f"g{i}_{len(groups)}"
            groups[name] = entries[i]
            alts.append(f"(?P<{name}>{'|'.join(same)})")
        branches.append(f"{re.escape(c)}(?:{'|'.join(alts)})")
    rx = re.compile("|".join(branches))
    _CACHE[key] = (rx, groups)
    return rx, groups


def find_mentions(text: str, lang: str, *, speaker_state: str | None = None,
                  doc_type: str | None = None, year: int | None = None) -> list[Mention]:
    """Mentions of SCO member states in `text`, sorted by start, never overlapping.

    `lang` is "zh" (Simplified Chinese), "en" or "ru".  With `doc_type="speech"` and a member
    `speaker_state`, first-person forms are mentions of the speaker's state (how="speaker").
    `year` only drops leader names that cannot refer to the leader in that year.
    """
    if lang not in _SPECS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    speaker = speaker_state if (doc_type == "speech" and speaker_state in MEMBERS) else None
    rx, groups = _compiled(lang, speaker is not None)
    out: list[Mention] = []
    for m in rx.finditer(text):
        entry = groups[m.lastgroup]  # type: ignore[index]
        start, end = m.span()
        if entry.state == "FUSED":
            out.extend(_split_fused(text, start, end))
            continue
        if entry.since is not None and year is not None and year < entry.since:
            continue
        state, how = entry.state, entry.how
        if state == "SPEAKER":
            state = speaker  # type: ignore[assignment]
        elif how == "side" and state == speaker:
            how = "speaker"
        out.append(Mention(state, start, end, text[start:end], how))
    if lang == "zh" and out:
        out = _zh_disambiguate(text, out)
    if any(m.how == "adjective" and m.state in _ETHNIC_STATES for m in out):
        out = _drop_afghan_ethnic(text, lang, out)
    return out


def _split_fused(text: str, start: int, end: int) -> list[Mention]:
    """中吉乌 -> three one-character mentions; 乌 next to 俄 is Ukraine and is dropped."""
    els = [(m.start(), m.end(), m.group()) for m in _ZH_FUSED_EL_RX.finditer(text, start, end)]
    out = []
    for i, (s, e, el) in enumerate(els):
        if el == "乌" and any(
            0 <= j < len(els) and els[j][2] == "俄" and abs(els[j][0] - s) <= 2 for j in (i - 1, i + 1)
        ):
            continue
        out.append(Mention(_ZH_ABBREV[el], s, e, el, "abbrev"))
    return out


_ZH_ONE_CHAR_HOWS = ("abbrev", "side")

# "Tajiks, Uzbeks, Hazaras and Pashtuns" are Afghanistan's peoples, not the member states: a
# Central Asian demonym near another Afghan ethnonym is dropped.
_ETHNIC_STATES = frozenset({"TJK", "UZB", "KAZ", "KGZ"})
_AFGHAN_ETHNIC = {
    "en": re.compile(r"Hazara|Pashtun|Pushtun|Pakhtoon|Pashtoon|Pukhtoon|Baluch|Aimaq|Aimak|Nuristani"),
    "ru": re.compile(r"[Хх]азар[еа]й|[Пп]уштун|[Бб]елудж"),
    "zh": re.compile("哈扎拉|普什图|俾路支"),
}
_ETHNIC_WINDOW = 100


def _drop_afghan_ethnic(text: str, lang: str, mentions: list[Mention]) -> list[Mention]:
    rx = _AFGHAN_ETHNIC[lang]
    return [
        m for m in mentions
        if not (m.how == "adjective" and m.state in _ETHNIC_STATES
                and rx.search(text, max(0, m.start - _ETHNIC_WINDOW), m.end + _ETHNIC_WINDOW))
    ]


def _zh_disambiguate(text: str, mentions: list[Mention]) -> list[Mention]:
    named = {m.state for m in mentions if m.how not in _ZH_ONE_CHAR_HOWS and m.how != "speaker"}
    drop = {
        state for state, rx in _ZH_CONFUSABLE.items()
        if state not in named and any(m.state == state and m.how in _ZH_ONE_CHAR_HOWS for m in mentions)
        and rx.search(text)
    }
    if not drop:
        return mentions
    return [m for m in mentions if not (m.state in drop and m.how in _ZH_ONE_CHAR_HOWS)]
