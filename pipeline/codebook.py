"""The codebook's vocabulary in one place: member states (§1), dimensions and areas (§2), stances (§3),
and the languages and document types scotrack reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    code: str
    name_en: str
    name_zh: str
    name_ru: str
    member_since: int


MEMBERS: dict[str, State] = {
    s.code: s
    for s in (
        State("CHN", "China", "中国", "Китай", 2001),
        State("RUS", "Russia", "俄罗斯", "Россия", 2001),
        State("KAZ", "Kazakhstan", "哈萨克斯坦", "Казахстан", 2001),
        State("KGZ", "Kyrgyzstan", "吉尔吉斯斯坦", "Киргизия", 2001),
        State("TJK", "Tajikistan", "塔吉克斯坦", "Таджикистан", 2001),
        State("UZB", "Uzbekistan", "乌兹别克斯坦", "Узбекистан", 2001),
        State("IND", "India", "印度", "Индия", 2017),
        State("PAK", "Pakistan", "巴基斯坦", "Пакистан", 2017),
        State("IRN", "Iran", "伊朗", "Иран", 2023),
        State("BLR", "Belarus", "白俄罗斯", "Белоруссия", 2024),
    )
}

STATE_CODES: tuple[str, ...] = tuple(MEMBERS)

# §3a (codebook v2): whom a stance is about — the organisation, or another member state
SCO = "SCO"
OBJECTS: tuple[str, ...] = (SCO, *STATE_CODES)


# §2: each dimension and its areas
DIMENSIONS: dict[str, tuple[str, ...]] = {"interest": ("security", "economic", "political"),
                                          "identity": ("membership", "norms", "affect"),
                                          "policy": ("security", "economic", "institutional")}
# §3: the stance scale, and each stance's value (None: the passage speaks to the dimension without a stance)
STANCES: tuple[str, ...] = ("positive", "limited", "negative", "opposed", "none")
STANCE_VALUE: dict[str, int | None] = {"positive": 2, "limited": 1, "negative": -1, "opposed": -2, "none": None}

LANGS: tuple[str, ...] = ("zh", "en", "ru")
DOC_TYPES: tuple[str, ...] = ("declaration", "speech", "article", "transcript", "other")
