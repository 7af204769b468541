"""The codebook's analytic vocabulary attributed to a state: explicit readings such as "印度对上合组织持消极认同态度",
"Ⓣ is wary of the SCO" or "Ⓣ относится к ШОС с настороженностью".

Scholarly writing states the codebook's own verdicts in the codebook's own words (积极/有限/消极认同, 利益需求,
政策选择, 警惕, 摇摆, "reluctant member" …); the news and speeches the tagger learns from hardly ever do, so a
learned weight for these words would stay near zero. A reading is therefore found by pattern, on the
passage with the target state's mentions replaced by Ⓣ and the others' by Ⓞ (`tagger.mask`), and used
twice: as features (counts per stance and per dimension), and as the tag itself — the codebook defines
the tag for such a sentence, so the tagger adopts it (`Tagger.predict`).

Three patterns, in zh, en and ru:
- a level term (积极认同, "negative identity", "ограниченная идентичность") in the same clause as the target,
  whose nearest preceding subject (a run of states: "Ⓣ、Ⓞ") holds the target;
- an attitude attributed to the target: "Ⓣ 对 Y 持…态度", "Ⓣ is/remains … wary of / reluctant towards Y",
  "Ⓣ относится к Y с …" (Y: the SCO or another state), the attitude word giving the stance;
- a verb of distance or refusal with the target as subject ("Ⓣ 拒绝参加", "Ⓣ дистанцируется от", "Ⓣ, a reluctant
  member").
"""

from __future__ import annotations

import re
from functools import cache

STANCE_ORDER = ("positive", "limited", "negative", "opposed")

# Level terms: (dimension, stance). The study's identity levels first.
LEVEL_TERMS: dict[str, dict[str, tuple[str, str]]] = {
    "zh": {"积极认同": ("identity", "positive"), "有限认同": ("identity", "limited"),
           "消极认同": ("identity", "negative"), "不认同": ("identity", "opposed")},
    "en": {"positive identity": ("identity", "positive"), "positive identification": ("identity", "positive"),
           "limited identity": ("identity", "limited"), "limited identification": ("identity", "limited"),
           "negative identity": ("identity", "negative"), "negative identification": ("identity", "negative"),
           "reluctant member": ("identity", "negative")},
    "ru": {"позитивн[а-я]* идентичност": ("identity", "positive"),
           "ограниченн[а-я]* идентичност": ("identity", "limited"),
           "негативн[а-я]* идентичност": ("identity", "negative")},
}

# Attitude words: the stance they give when attributed to the target.
ATTITUDES: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {"positive": ("积极", "支持", "肯定", "热情", "赞赏", "欢迎", "信任"),
           "limited": ("有限", "保留", "谨慎", "观望", "摇摆", "矛盾", "模糊", "工具理性", "实用主义", "务实"),
           "negative": ("消极", "冷淡", "警惕", "怀疑", "防备", "疏离", "戒备", "不信任", "冷漠", "排斥"),
           "opposed": ("否定", "敌对", "反对", "抵制", "敌视")},
    "en": {"positive": ("supportive", "enthusiastic", "positive", "favourable", "favorable", "committed", "warm",
                        "keen", "eager"),
           "limited": ("cautious", "ambivalent", "hedging", "pragmatic", "selective", "guarded", "instrumental"),
           "negative": ("wary", "suspicious", "skeptical", "sceptical", "reluctant", "cool", "lukewarm",
                        "distrustful", "hesitant", "negative", "unenthusiastic"),
           "opposed": ("hostile", "opposed", "antagonistic")},
    "ru": {"positive": ("позитивн", "поддержк", "интерес", "энтузиазм", "симпати", "одобрени", "доверием"),
           "limited": ("осторожн", "сдержанн", "прагматичн", "ограниченн", "двойственн"),
           "negative": ("насторож", "подозрен", "недовер", "прохлад", "скептич", "негативн", "опаск"),
           "opposed": ("враждебн", "неприят")},
}

# Verbs of distance or refusal with the target as subject: (dimension, stance).
ACTS: dict[str, dict[str, tuple[str, str]]] = {
    "zh": {"拒绝参加": ("policy", "negative"), "拒绝加入": ("policy", "negative"), "不参加": ("policy", "negative"),
           "不加入": ("policy", "negative"), "拒绝签署": ("policy", "negative"), "未签署": ("policy", "negative"),
           "拒不参加": ("policy", "opposed"), "保持警惕": ("identity", "negative"),
           "心存警惕": ("identity", "negative"), "有所防备": ("identity", "negative"), "摇摆": ("identity", "limited")},
    "en": {"is wary of": ("identity", "negative"), "remains wary of": ("identity", "negative"),
           "distances itself": ("identity", "negative"), "is hedging": ("interest", "limited"),
           "refused to join": ("policy", "negative"), "declined to join": ("policy", "negative"),
           "refused to take part": ("policy", "negative"), "declined to take part": ("policy", "negative"),
           "declined to participate": ("policy", "negative"), "will not take part": ("policy", "negative"),
           "did not take part": ("policy", "negative"), "refused to sign": ("policy", "negative"),
           "declined to endorse": ("policy", "negative"), "refused to endorse": ("policy", "negative")},
    "ru": {"дистанцир[а-я]*": ("identity", "negative"), "настороженно относ[а-я]*": ("identity", "negative"),
           "отказал[а-я]* участвовать": ("policy", "negative"), "отказал[а-я]* от участия": ("policy", "negative"),
           "отказыва[а-я]* от участия": ("policy", "negative"), "не прим[а-я]* участия": ("policy", "negative"),
           "не участву[а-я]*": ("policy", "negative")},
}

# Codebook terms naming a dimension (features only).
DIMENSION_TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    "zh": {"interest": ("利益需求", "利益诉求", "利益"), "identity": ("认同", "身份"), "policy": ("政策选择", "政策")},
    "en": {"interest": ("interest",), "identity": ("identity", "identification", "membership"),
           "policy": ("policy choice", "policies", "policy")},
    "ru": {"interest": ("интерес",), "identity": ("идентичн", "членств"), "policy": ("политик",)},
}

_SCO = {"zh": r"(?:上合组织|上海合作组织|上合|该组织|本组织|Ⓞ)",
        "en": r"(?:the\s+)?(?:SCO|Shanghai\s+Cooperation\s+Organi[sz]ation|organi[sz]ation|Ⓞ)",
        "ru": r"(?:ШОС|Шанхайск[а-я]*\s+организаци[а-я]*|организаци[а-я]*|Ⓞ)"}
# A subject: the target alone or in a run of states ("Ⓣ、Ⓞ和Ⓞ", "Ⓣ and Ⓞ", "Ⓣ и Ⓞ").
_RUN = {"zh": r"[ⓉⓄ](?:\s*(?:、|，|,|和|与|及|以及)\s*[ⓉⓄ])*",
        "en": r"[ⓉⓄ](?:\s*(?:,|and|,\s*and)\s*[ⓉⓄ])*",
        "ru": r"[ⓉⓄ](?:\s*(?:,|и)\s*[ⓉⓄ])*"}
_CLAUSE = {"zh": re.compile(r"[^。；;！？!?]+"), "en": re.compile(r"[^.;!?]+"), "ru": re.compile(r"[^.;!?]+")}


def _alt(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


@cache
def _patterns(lang: str) -> dict[str, re.Pattern[str]]:
    flags = 0 if lang == "zh" else re.I
    run = _RUN[lang]
    level = re.compile(f"(?P<subj>{run})(?P<gap>[^ⓉⓄ]{{0,40}}?)(?P<term>{_alt(LEVEL_TERMS[lang])})", flags)
    att_words = _alt(re.escape(w) for ws in ATTITUDES[lang].values() for w in ws)
    if lang == "zh":
        attitude = re.compile(f"(?P<subj>{run})[^ⓉⓄ]{{0,8}}?对\\s*{_SCO['zh']}[^。；;ⓉⓄ]{{0,6}}?"
                              f"(?:持|抱有|抱持|采取|表现出|保持)(?P<att>[^。；;]{{0,12}}?)(?:态度|立场|认同|姿态)")
    elif lang == "en":
        attitude = re.compile(f"(?P<subj>{run})\\s+(?:is|are|was|were|has\\s+been|have\\s+been|remains|remained|"
                              f"seems|seemed|appears|appeared|became|becomes|stays)\\s+(?P<att>(?:\\w+\\s+){{0,3}}?"
                              f"(?:{att_words})\\w*)\\s+(?:of|towards|toward|about|to|on|with)\\s+{_SCO['en']}", flags)
    else:
        attitude = re.compile(f"(?P<subj>{run})\\s+(?:\\w+\\s+){{0,2}}?относ[а-я]*\\s+к\\s+{_SCO['ru']}"
                              f"(?:\\s+\\w+){{0,2}}?\\s+(?:с|со)\\s+(?P<att>(?:\\w+\\s+){{0,2}}?(?:{att_words})\\w*)",
                              flags)
    acts = re.compile(f"(?P<subj>{run})(?P<gap>[^ⓉⓄ]{{0,12}}?)(?P<act>{_alt(ACTS[lang])})", flags)
    reluctant = re.compile(r"(?P<subj>[ⓉⓄ]),?\s+(?:a|an|the)\s+(?:\w+\s+)?(?P<att>reluctant|wary|hesitant|lukewarm)\s+"
                           r"(?:member|partner|participant)", re.I) if lang == "en" else None
    out = {"level": level, "attitude": attitude, "acts": acts}
    if reluctant is not None:
        out["reluctant"] = reluctant
    return out


def _attitude_stance(words: str, lang: str) -> str | None:
    words = words.lower()
    best = None
    for stance in ("opposed", "negative", "limited", "positive"):  # the strongest divergence named wins
        if any(w.lower() in words for w in ATTITUDES[lang][stance]):
            best = best or stance
    if lang == "zh" and best == "positive" and ("不" in words or "缺乏" in words):
        return "negative"
    return best


def _lookup(table: dict[str, tuple[str, str]], found: str, lang: str) -> tuple[str, str] | None:
    if lang == "zh":
        return table.get(found)
    for pattern, value in table.items():
        if re.fullmatch(pattern, found, re.I):
            return value
    return None


def readings(masked: str, lang: str) -> list[tuple[str, str]]:
    """The (dimension, stance) readings the passage attributes explicitly to the target state Ⓣ."""
    lang = lang if lang in _CLAUSE else "en"
    if "Ⓣ" not in masked:
        return []
    out: list[tuple[str, str]] = []
    pats = _patterns(lang)
    for clause in _CLAUSE[lang].findall(masked):
        if "Ⓣ" not in clause:
            continue
        for m in pats["level"].finditer(clause):
            if "Ⓣ" in m.group("subj"):
                hit = _lookup(LEVEL_TERMS[lang], m.group("term"), lang)
                if hit:
                    out.append(hit)
        for m in pats["attitude"].finditer(clause):
            if "Ⓣ" in m.group("subj"):
                stance = _attitude_stance(m.group("att"), lang)
                if stance:
                    out.append(("identity", stance))
        for m in pats["acts"].finditer(clause):
            if "Ⓣ" in m.group("subj"):
                hit = _lookup(ACTS[lang], m.group("act"), lang)
                if hit:
                    out.append(hit)
        if "reluctant" in pats:
            for m in pats["reluctant"].finditer(clause):
                if m.group("subj") == "Ⓣ":
                    out.append(("identity", "negative"))
    return list(dict.fromkeys(out))


def reading_vector(found: list[tuple[str, str]]) -> list[int]:
    """Counts of explicit readings per stance (STANCE_ORDER)."""
    return [sum(1 for _, s in found if s == stance) for stance in STANCE_ORDER]


@cache
def _dimension_pattern(lang: str, dimension: str) -> re.Pattern[str]:
    flags = 0 if lang == "zh" else re.I
    return re.compile(_alt(re.escape(w) for w in DIMENSION_TERMS[lang][dimension]), flags)


def dimension_term_vector(text: str, lang: str) -> list[int]:
    """Counts of the codebook's dimension terms (interest, identity, policy order)."""
    lang = lang if lang in DIMENSION_TERMS else "en"
    return [len(_dimension_pattern(lang, d).findall(text)) for d in ("interest", "identity", "policy")]
