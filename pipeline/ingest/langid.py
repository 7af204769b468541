"""Identify the language (zh, en, ru) of a document or passage, by script first and lingua second."""

from __future__ import annotations

import re
from functools import lru_cache

SUPPORTED = ("zh", "en", "ru")
UNDETERMINED = "und"


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYR = re.compile(r"[\u0400-\u04ff]")
_LAT = re.compile(r"[A-Za-z\u00c0-\u024f]")


def script_counts(text: str) -> tuple[int, int, int]:
    """(Han, Cyrillic, Latin) letter counts."""
    return len(_HAN.findall(text)), len(_CYR.findall(text)), len(_LAT.findall(text))


def detect_script_lang(text: str) -> str:
    """zh / ru / en from the dominant script; a Han character weighs as much as a short word."""
    han, cyr, lat = script_counts(text)
    if han * 3 >= max(cyr, lat) and han > 0:
        return "zh"
    if cyr == 0 and lat == 0:
        return UNDETERMINED
    return "ru" if cyr >= lat else "en"


@lru_cache(maxsize=1)
def _latin_detector():
    from lingua import Language, LanguageDetectorBuilder

    # English against the other Latin-script languages a user is likely to bring by mistake.
    langs = [Language.ENGLISH, Language.FRENCH, Language.GERMAN, Language.SPANISH, Language.PORTUGUESE,
             Language.ITALIAN, Language.TURKISH]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


def detect_lang(text: str) -> str:
    """Language of `text`: 'zh', 'en', 'ru', an ISO 639-1 code of another Latin-script language, or 'und'."""
    lang = detect_script_lang(text)
    if lang != "en" or len(text) < 40:
        return lang
    found = _latin_detector().detect_language_of(text[:2000])
    if found is None:
        return "en"
    return found.iso_code_639_1.name.lower()
