"""Whether a text is about the SCO: its names and short forms in zh, en and ru."""

from __future__ import annotations

import re

SCO_TERMS = {
    "zh": re.compile(r"上海合作组织|上合|上海五国|上海精神|上海合作|(?<![A-Za-z])SCO(?![A-Za-z])"),
    "en": re.compile(r"(?<![A-Za-z])SCO(?![A-Za-z])|Shanghai\s+(?:Cooperation\s+Organi[sz]ation|Five|Forum|Spirit|"
                     r"Six|Pact)", re.I),
    "ru": re.compile(r"(?<![А-Яа-яЁё])ШОС(?![А-Яа-яЁё])|Шанхайск\w*\s+(?:организац|пят[её]рк|форум|дух|шест[её]рк)",
                     re.I),
}


def mentions_sco(text: str, lang: str) -> bool:
    pattern = SCO_TERMS.get(lang)
    if pattern is None:
        return any(p.search(text) for p in SCO_TERMS.values())
    return pattern.search(text) is not None
