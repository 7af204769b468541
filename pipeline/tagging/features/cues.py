"""Codebook cue lexicons in zh, en and ru: stance cues (features and the rules baseline) and dimension cues."""

from __future__ import annotations

import re
from functools import cache

# Stance cues by class. They are features for the models and, alone, the "lexicon rules" baseline.
STANCE_CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "opposed": {
        "zh": ("反对", "阻挠", "阻止", "否决", "抵制", "对抗", "冲突", "敌对", "威胁", "干涉", "破坏", "拒不"),
        "en": ("opposed", "oppose", "opposes", "obstruct", "blocked", "block", "veto", "vetoed", "hostile",
               "confrontation", "clash", "against the", "threat to", "undermine", "conflict with"),
        "ru": ("против", "противод", "блокир", "вето", "конфронтац", "враждеб", "угроз", "подрыв",
               "конфликт"),
    },
    "negative": {
        "zh": ("拒绝", "不参加", "未参加", "未签署", "不签署", "缺席", "退出", "不信任", "冷淡", "消极", "竞争", "争夺",
               "分歧", "疑虑", "不支持", "不认可", "不赞成", "搁置", "拖延", "争端",
               # the codebook's analytic vocabulary (scholarly writing)
               "消极认同", "警惕", "防备", "戒备", "疏离", "冷漠", "拒绝参加", "脱轨"),
        "en": ("refused", "refuse", "declined", "decline", "skipped", "skip", "boycott", "withdrew", "withdraw",
               "did not sign", "not sign", "distrust", "mistrust", "suspicion", "rival", "rivalry", "compete",
               "competition", "competing", "reluctant", "wary", "cool", "divided", "dispute", "tension",
               "stalled", "not endorse", "did not endorse", "absent", "reservations",
               "wary of", "reluctant member", "suspicious", "distances itself", "lukewarm", "sceptical", "skeptical"),
        "ru": ("отказал", "отказа", "не подписал", "не подписа", "не участв", "бойкот", "вышла", "выход из",
               "недовер", "соперни", "конкурен", "разноглас", "спор", "напряж", "не поддерж", "отсутств",
               "сдержан", "насторож", "настороженно", "дистанцир", "подозрен", "прохладн"),
    },
    "limited": {
        "zh": ("保留", "顾虑", "有限", "部分", "选择性", "欧亚经济联盟", "集体安全条约", "独联体", "之一", "补充",
               "兼顾", "平衡", "谨慎", "仅派", "级别较低",
               "有限认同", "摇摆", "工具理性", "多轨", "观望", "实用主义"),
        "en": ("reservation", "cautious", "caution", "selective", "partly", "partially", "limited", "bilateral",
               "Eurasian Economic", "EAEU", "EurAsEC", "CSTO", "Collective Security Treaty", "CIS", "Commonwealth",
               "one of", "supplement", "multi-vector", "balance", "BRICS", "OSCE", "CICA",
               "hedging", "hedge", "ambivalent", "instrumental", "pragmatic"),
        "ru": ("оговор", "осторож", "частич", "избиратель", "ограничен", "двусторон", "ЕАЭС", "Евразийск",
               "ЕврАзЭС", "ОДКБ", "СНГ", "БРИКС", "наряду", "одной из", "дополн", "многовектор", "баланс"),
    },
    "positive": {
        "zh": ("支持", "积极", "推动", "深化", "加强", "弘扬", "赞赏", "高度评价", "愿同", "致力于", "坚定", "共同",
               "倡议", "提议", "主办", "落实", "合作", "欢迎", "祝贺", "携手",
               "积极认同", "同轨"),
        "en": ("support", "supports", "welcome", "strengthen", "deepen", "promote", "committed", "proposed",
               "propose", "initiative", "active", "actively", "important", "value", "values", "successful",
               "hosted", "host", "implement", "cooperation", "spirit", "mutual trust", "priority"),
        "ru": ("поддерж", "приветств", "укреп", "углуб", "развит", "сотруднич", "предлож", "инициатив", "активн",
               "важн", "успешн", "приоритет", "дух", "взаимн", "довери"),
    },
}

# Dimension cues, for the rules baseline only.
DIMENSION_CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "interest": {
        "zh": ("利益需求", "利益", "需求", "经济", "贸易", "投资", "能源", "一带一路", "安全需求", "发展", "走廊",
               "市场"),
        "en": ("interest", "trade", "economic", "investment", "energy", "market", "benefit", "aim", "goal",
               "Silk Road", "Belt and Road", "development", "integration"),
        "ru": ("интерес", "торгов", "экономи", "инвестиц", "энерг", "рынк", "выгод", "цел", "развит", "интеграц"),
    },
    "identity": {
        "zh": ("上海精神", "积极认同", "有限认同", "消极认同", "认同", "互信", "友好", "命运共同体", "大家庭",
               "成员国身份", "扩员", "睦邻", "信任", "文明"),
        "en": ("Shanghai Spirit", "spirit", "identity", "wary of", "reluctant member", "trust", "friendship",
               "family", "membership", "member", "values", "norms", "principles", "civilization", "accession",
               "enlargement"),
        "ru": ("шанхайск", "дух", "идентичн", "насторож", "дистанцир", "довери", "дружб", "семь", "член",
               "принцип", "ценност", "цивилизац", "расширен"),
    },
    "policy": {
        "zh": ("政策选择", "拒绝参加", "演习", "签署", "协定", "机制", "峰会", "会议", "主持", "落实", "机构",
               "开发银行", "反恐", "联合", "主席国", "决议", "宣言", "批准"),
        "en": ("exercise", "policy choice", "signed", "agreement", "mechanism", "summit", "meeting", "chair",
               "implement", "institution", "bank", "counter-terrorism", "RATS", "joint", "declaration", "ratif",
               "convention"),
        "ru": ("учени", "подписа", "соглашени", "механизм", "саммит", "встреч", "председател", "реализ",
               "структур", "банк", "антитеррор", "совместн", "деклараци", "ратифи", "конвенц"),
    },
}


@cache
def _pattern(table: str, label: str, lang: str) -> re.Pattern[str]:
    words = (STANCE_CUES if table == "stance" else DIMENSION_CUES)[label][lang]
    flags = re.I if lang != "zh" else 0
    boundary = r"(?<![\w])" if lang != "zh" else ""
    return re.compile(boundary + "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")",
                      flags)


def cue_counts(text: str, lang: str, table: str = "stance") -> dict[str, int]:
    """How many cues of each class occur in `text`."""
    lang = lang if lang in ("zh", "en", "ru") else "en"
    labels = STANCE_CUES if table == "stance" else DIMENSION_CUES
    return {label: len(_pattern(table, label, lang).findall(text)) for label in labels}


@cache
def _combined(lang: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """All stance cues of a language in one plain alternation (longest first: about seven times faster than
    one named group per class) and the class index of each cue (lower-cased; the first class listing a cue
    keeps it)."""
    flags = re.I if lang != "zh" else 0
    boundary = r"(?<![\w])" if lang != "zh" else ""
    index: dict[str, int] = {}
    for k, by_lang in enumerate(STANCE_CUES.values()):
        for w in by_lang[lang]:
            index.setdefault(w.lower(), k)
    words = sorted(index, key=len, reverse=True)
    return re.compile(boundary + "(?:" + "|".join(re.escape(w) for w in words) + ")", flags), index


def stance_cue_vector(text: str, lang: str) -> list[int]:
    """Counts of stance cues per class (in STANCE_CUES order), in one pass over the text; at any place the
    longest cue wins."""
    lang = lang if lang in ("zh", "en", "ru") else "en"
    pattern, index = _combined(lang)
    counts = [0] * len(STANCE_CUES)
    for m in pattern.findall(text):
        counts[index[m.lower()]] += 1
    return counts


def rule_stance(text: str, lang: str) -> str:
    """The lexicon baseline's stance: the strongest class whose cues occur, else positive."""
    counts = cue_counts(text, lang)
    for label in ("opposed", "negative", "limited"):
        if counts[label]:
            return label
    return "positive" if counts["positive"] else "none"
