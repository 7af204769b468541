"""Identify the language (zh, en, ru) of a document or passage, by script first and lingua second."""

from __future__ import annotations

import re
from functools import lru_cache

UNDETERMINED = "und"


_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
_CYR = re.compile("[\u0400-\u04ff]+")
_LAT = re.compile("[A-Za-z\u00c0-\u024f]+")


def _letters(script: re.Pattern[str], text: str) -> int:
    # summing a few runs is much faster than finding every letter on its own
    return sum(map(len, script.findall(text)))


def detect_script_lang(text: str) -> str:
    """zh / ru / en from the dominant script (a Han character weighs three letters), 'und' without letters.

    The cleaner calls this on every document, so Latin letters are only counted when another script is there.
    """
    han = cyr = 0
    if not text.isascii():
        han, cyr = _letters(_HAN, text), _letters(_CYR, text)
    if not (han or cyr):
        return "en" if _LAT.search(text) else UNDETERMINED
    lat = _letters(_LAT, text)
    if han * 3 >= max(cyr, lat) and han > 0:
        return "zh"
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
