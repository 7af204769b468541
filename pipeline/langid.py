"""Identify the language (zh, en, ru) of a document or passage, by script first and lingua second."""

from __future__ import annotations

from functools import lru_cache

SUPPORTED = ("zh", "en", "ru")
UNDETERMINED = "und"


def script_counts(text: str) -> tuple[int, int, int]:
    """(Han, Cyrillic, Latin) letter counts."""
    han = cyr = lat = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            if ch.isalpha():
                lat += 1
        elif 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF:
            han += 1
        elif 0x0400 <= o <= 0x04FF:
            cyr += 1
        elif ch.isalpha() and o < 0x250:
            lat += 1
    return han, cyr, lat


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
