"""Clean raw extracted text (Chinese, English, Russian; often PDF-dirty) into body paragraphs and footnotes."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from typing import Any

from pipeline.ingest.langid import UNDETERMINED, detect_script_lang

__all__ = [
    "NOTES_HEADING_RE",
    "NOTE_KINDS",
    "TEXT_KINDS",
    "CleanResult",
    "Marker",
    "Paragraph",
    "clean_text",
    "normalise_width",
    "to_simplified",
]


# Paragraph kinds the cleaner gives: running text (in document order, with tables in place), then the notes.
# pipeline.ingest.structure later names some body paragraphs title, author, abstract, keywords or heading.
TEXT_KINDS = ("body", "table")
NOTE_KINDS = ("footnote", "reference")


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str  # "body" | "table" | "footnote" | "reference" (and the structure kinds, see above)


@dataclass(frozen=True)
class Marker:
    """A footnote marker removed from the body: its label ("b", "1", "①", "[2]") and the text just before it."""

    label: str
    before: str  # up to 12 characters of the line before the marker, to find the place in the paragraph


@dataclass
class CleanResult:
    paragraphs: list[Paragraph]  # body and table paragraphs in document order, then notes in document order
    removed: dict[str, int]  # what was dropped, repaired or joined, by kind
    markers: list[Marker] = field(default_factory=list)  # in-body footnote markers, in the order removed

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


_COUNTERS = (
    "garbage_chars",  # U+FFFD, private-use glyphs, box/shape junk runs, unrepairable mojibake
    "mojibake_repaired",  # lines in which ftfy decoded mojibake
    "control_chars",
    "zero_width_chars",
    "soft_hyphens",  # U+00AD and the OCR "¬" used as a discretionary hyphen
    "page_breaks",  # form feeds
    "folios",
    "running_heads",
    "junk_lines",  # lines made only of box-drawing / geometric glyphs
    "footnotes",  # footnote paragraphs moved after the body
    "references",  # entries of a reference list ("参考文献", "References", "Список литературы")
    "footnote_markers",  # in-body markers (①, ¹, [1], a glued "。b", a glued "1") removed
    "separators",  # "____" / "———" rules that introduced footnotes, "---|---" rules of tables
    "table_rows",  # lines of a table (or an image gallery's captions), kept as rows of kind "table"
    "line_spacing",  # empty lines that were only line spacing (double-spaced extraction), not paragraph breaks
    "joined_breaks",  # line breaks removed by re-flow
    "dehyphenated",  # line-end hyphens dropped while joining a split word
)

# --------------------------------------------------------------------------- character classes

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_PUNCT = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\ufe30-\ufe4f"
_KANA = "\u3040-\u30ff"
_H = _HAN + _CJK_PUNCT + _KANA  # "Chinese" neighbours for punctuation width rules
_CJK_SPACE_NEIGHBOUR = _H + "\u201c\u201d\u2018\u2019\u2014\u2026\u00b7"  # + “”‘’—…·
_WIDE_RE = re.compile(f"[{_HAN}{_CJK_PUNCT}{_KANA}\u3000\uac00-\ud7a3]")

# cp1252 bytes 0x80-0x9f that map to non-C1 characters
_CP1252_SPECIALS = {
    bytes([b]).decode("cp1252"): b for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_CP1252_CHARS = "".join(_CP1252_SPECIALS)
_CONT = f"[\u0080-\u00bf{_CP1252_CHARS}]"  # a char standing for a UTF-8 continuation byte
_HIGH = f"[\u0080-\u00ff{_CP1252_CHARS}]"
_HIGH_RUN_RE = re.compile(f"{_HIGH}{{2,}}")
_UTF8_SHAPE_RE = re.compile(f"(?:[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}})+")
_BROKEN_SEQ_RE = re.compile(f"[\u00c2-\u00f4]{_CONT}+")
_PLAUSIBLE_RE = re.compile(
    f"[{_HAN}{_CJK_PUNCT}{_KANA}\u3000\u0400-\u04ff\u00a0-\u017f\u2010-\u206f\u20a0-\u20bf\u2100-\u21ff\u2500-\u25ff]+"
)
# what mojibake looks like, for ftfy to look at: a lead byte's Latin-1 letter before a continuation byte's
# sign (UTF-8 read as cp1252/latin-1), Р/С before a cp1251 sign or rare letter (UTF-8 read as cp1251),
# MacRoman's "√"; _MOJIBAKE_CHAR_RE is the quick look that comes first
_MOJIBAKE_CHAR_RE = re.compile("[\u00c2-\u00f4√Ѕ‚Ђµ°]")
_MOJIBAKE_HINT_RE = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152-\u02dc\u2013-\u2122]"
    "|[РС][\u0402-\u040f\u0452-\u045f\u0490\u0491\u00a0-\u00bf\u201a-\u203a\u2116]|√"
)

# single characters always removed, by counter
_BAD_CHAR_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f]"  # control
    "|[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e]"  # zero width / bidi
    "|(?<![^\\W\\d_])\u00ad|\u00ad(?![ \t]*\n)"  # soft hyphen, except after a letter at a line end
    "|[\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]+"  # replacement char, private use glyphs
)
_ANY_BAD_CHAR_RE = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u180e"
    "\u00ad\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]"
)
_ASCII_CTRL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ZERO_WIDTH = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\u180e"
)
_ANY_BOX_RE = re.compile("[\u2500-\u25ff]")
_UTF8_LEAD_RE = re.compile("[\u00c2-\u00f4]")
_NOT_SIGN_HYPHEN_RE = re.compile("(?<=[a-zа-яёａ-ｚ])¬(?=[a-zа-яёａ-ｚ])")
_BOX_RUN_RE = re.compile("[\u2500-\u25ff]{2,}|[\u25a1\u25af]")  # shapes junk runs; lone tofu boxes
_RULE_LINE_RE = re.compile("[\u2500\u2501\u2550]{3,}")

# --------------------------------------------------------------------------- line classes

_FOLIO_RE = re.compile(
    r"\d{1,3}"  # bare page number (years and longer numbers are kept)
    r"|[-–—~·•|]+ ?\d{1,4} ?[-–—~·•|]+"  # - 12 -, — 12 —, ·12·
    r"|第 ?\d{1,4} ?页(?: ?[/,，]? ?共 ?\d{1,4} ?页)?"  # 第 3 页, 第3页 共12页
    r"|(?:[Pp]age|PAGE|[Pp]\.|[Сс]тр\.?|[Сс]траница|[Сс]\.) ?\d{1,4}(?: ?(?:of|из|/) ?\d{1,4})?"
    r"|\d{1,4} ?/ ?\d{1,4}"  # 3 / 12
    # UN documents: job number and page, "08-51749 30", "14/26 15-29876"
    r"|(?:\d{2}-\d{4,6}(?: ?\(E\))? )\d{1,4}(?:/\d{1,4})?|\d{1,4}(?:/\d{1,4})? \d{2}-\d{4,6}(?: ?\(E\))?"
)
_JUNK_LINE_RE = re.compile("[\u2500-\u25ff\u2190-\u21ff ]+")
_SEP_RE = re.compile(r"[_]{3,}|[-]{3,}|[—–]{3,}|[\u2500\u2501\u2550]{3,}|[=]{3,}|[*]{3,}")
_STRONG_FN_RE = re.compile("(?:[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]|[¹²³\u2070\u2074-\u2079]+(?!\\d)|注释?[：:])")
_WEAK_FN_RE = re.compile(r"(?:[\[［]\d{1,3}[\]］]|[*※]\s*(?=[^\s*※])|\d{1,3}[)）](?!\d))")
_DOC_END_FN_RE = re.compile(r"(?:[\[［]\d{1,3}[\]］]|[*※]\s*(?=[^\s*※]))")
_AFTER_SEP_FN_RE = re.compile(r"(?:\d{1,3}[.\s](?!\d)|[(（]\d{1,3}[)）])")
_LIST_START_RE = re.compile(
    "(?:[•▪●○◆◇■►▸‣⁃※§]"
    r"|\d{1,3}[.．、](?!\d)|\d{1,3}[)）]|[(（]\d{1,3}[)）]"
    "|[(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、．]"
    r"|[a-zа-я][)）](?=\s)|[IVX]{1,5}\.(?=\s)"
    "|第[一二三四五六七八九十百零〇\\d]{1,4}[章节条部分编款]"
    "|[\u2460-\u2473\u2474-\u2487\u2488-\u249b])"
)
_TERMINAL = set(".!?:。！？；：…")
_CLOSERS = "\"'”’»)]）」』】》〉*_ "
_COMMA_LIKE = set(",，、")
_OPENERS = "\"'“‘«(["
_NO_LINE_START = set("，。、；：？！）」』”》…,.;:!?)")
_LETTER_RE = re.compile(r"[^\W\d_]")
_FIRST_TOKEN_RE = re.compile(r"\S+")
_HEAD_BAD_END = set(",，、;；:：!！")

# --------------------------------------------------------------------------- in-body footnote markers

# each branch checks what precedes the marker after taking its first character, so that the search skips
# along on one character class (checking the lookbehinds first made it 40 times slower)
_BODY_MARKER_RE = re.compile(
    "[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf¹²³\u2070\u2074-\u2079\\[［]"
    "(?:(?<=[^\\s:：;；,，、(（\\[【][\u2460-\u2473\u3251-\u325f\u32b1-\u32bf])[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]*"
    f'|(?:(?<=[^\\W\\d_]{{3}}.)|(?<=[{_HAN}.,;:!?。，；：！？”"’)）\\]].))(?<=[¹²³\u2070\u2074-\u2079])'
    "[¹²³\u2070\u2074-\u2079]*(?![\\d¹²³\u2070\u2074-\u2079])"
    r"|(?<=[^\s\[(（［][\[［])\d{1,3}(?:[,，–-]\d{1,3})*[\]］])"
)
# lettered notes: "a 冯玉军：《…》", "b Matthew Brummer, …"; their markers glued into the body: "…的关键。b"
_NOTE_LETTER_RE = re.compile(f"([a-h])(?:[ \t]+(?=[^\\sa-z])|(?=[{_HAN}《“]))")
_GLUED_LETTER_RE = re.compile(
    f"(?<=[。，；：！？”’）》」』])[a-h](?=$|\\s|[{_HAN}“‘《（【])"  # …的关键。b
    f"|(?<=[{_HAN}])[a-h](?=$|[。，；：！？、”’）》])"  # …的关键b。
    r"|(?<=[^\W\d_]{2}[.,;:])[a-h](?=\s|$)|(?<=[.,;:][”\"’])[a-h](?=\s|$)"  # …the key.b Next
)
# a digit marker glued the same way ("…的关键。3", "…peace.\"4"): stripped only when a note has that number
_GLUED_DIGITS_RE = re.compile(
    f"(?<=[。，；：！？”’）》」』])\\d{{1,2}}(?![\\d.,])(?=$|\\s|[“‘《（【]|(?![年月日号时分秒个万亿元人名次届岁倍多余项条])[{_HAN}])"
    r"|(?<=[^\W\d_]{2}[.,;:!?])\d{1,3}(?![\d.,])(?=$|\s+[A-ZА-ЯЁ\"“«(])|(?<=[.,;:!?][”\"’»)])\d{1,3}(?![\d.,])(?=$|\s)"
)
_NOTE_NUMBER_LINE_RE = re.compile(f'(\\d{{1,3}})[ \t]+(?=[A-ZА-ЯЁ{_HAN}《“"])')  # "4 See …" at a page foot
_NOTE_NUMBER_RE = re.compile(r"[\[［(（]?(\d{1,3})")
# the heading of endnotes, or (NOTES_HEADING_RE) of endnotes or a reference list, on a line of its own
_NOTES_HEAD_RE = re.compile(
    r"[【\[［]?\s*(?:注释|尾注)\s*[】\]］]?[：:]?|(?:Notes|NOTES|Endnotes|Примечания|ПРИМЕЧАНИЯ)[:.]?"
)
NOTES_HEADING_RE = re.compile(
    r"[【\[［]?\s*(?:主要)?参考(?:文献|资料)\s*[】\]］]?[：:]?"
    r"|(?:References|REFERENCES|Bibliography|BIBLIOGRAPHY|Works [Cc]ited|Список (?:использованной |цитируемой )?"
    r"литературы|СПИСОК ЛИТЕРАТУРЫ|Литература|ЛИТЕРАТУРА|Библиографический список)[:.]?"
    f"|{_NOTES_HEAD_RE.pattern}"
)
_ENTRY_START_RE = re.compile(
    r"(?:[\[［]\d{1,3}[\]］]|\d{1,3}[.)．、](?!\d)|[(（]\d{1,3}[)）]|[\u2460-\u2473]|\d{1,3}\s+(?=[^\d\s]))"
)
_AUTHOR_START_RE = re.compile(
    r"[A-ZА-ЯЁ][^\W\d_][\w'’-]*,?\s+(?:[A-ZА-ЯЁ]\.\s*){1,3}(?:\(|,|\s|$)"  # Smith, J. (2010) / Иванов И. И.
    f"|[{_HAN}]{{2,4}}(?:等)?[：:，,]"  # 王某：
)
_CITATION_RE = re.compile(  # what a reference holds: a year, pages, an issue, a volume, a title in 《》
    r"(?:1[89]|20)\d\d|第\s*\d+(?:\s*[-–]\s*\d+)?\s*[页期]|\bpp?\.\s*\d|\b[СCс]\.\s*\d|№\s*\d|\bVol\.|《"
)
_HAS_MARKER_RE = re.compile("[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf¹²³\u2070\u2074-\u2079\\[［]")
_RESCRUB_RE = re.compile("[\u00c2-\u00f4\u2500-\u25ff¬]")  # text that _scrub may still change

# --------------------------------------------------------------------------- width normalisation

_FW_ALNUM_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")
_FW_TABLE = {
    c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)
}
_ODD_SPACE_RE = re.compile("[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_SPACES_RE = re.compile(" {2,}")
_EDGE_SPACE_RE = re.compile(r"(?m)^ +| +$")
_ZH_PUNCT = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
_ZH_PUNCT_RE = re.compile(f"(?<=[{_H}])[,;:?!]|[,;:?!](?=[{_H}])")
_PAREN_PAIR_RE = re.compile(r"\(([^()\n]*)\)")
_LPAREN_RE = re.compile(f"(?<=[{_H}])\\(|\\((?=[{_H}])")
_RPAREN_RE = re.compile(f"(?<=[{_H}])\\)|\\)(?=[{_H}])")
_HAS_H_RE = re.compile(f"[{_H}]")
_CJK_SPACE_RE = re.compile(f"(?<=[{_CJK_SPACE_NEIGHBOUR}]) +(?=[{_CJK_SPACE_NEIGHBOUR}])")

# --------------------------------------------------------------------------- hyphenation

_EN_PREFIXES = frozenset(
    "non self post pre anti counter well ex multi inter intra cross co semi socio quasi pro neo mid ultra "  # noqa: SIM905
    "all half one two three four five six seven eight nine ten twenty thirty forty fifty sixty seventy "
    "eighty ninety long short high low large small far ever full so".split()
)
_RU_VOWELS = frozenset("аеёиоуыэюя")
_RU_PARTICLES = frozenset(("то", "либо", "нибудь", "ка", "таки", "де"))
_RU_ADJ_END_RE = re.compile("(?:ий|ый|ой|ая|яя|ое|ее|ые|ие|ых|их|ым|им|ую|юю|ого|его|ому|ему|ыми|ими)$")
_LAST_WORD_RE = re.compile(r"([^\W\d_]+)-$")
_FIRST_WORD_RE = re.compile(r"[^\W\d_]+")


# --------------------------------------------------------------------------- width / punctuation


def _zh_punct(text: str) -> str:
    def pair(m: re.Match[str]) -> str:
        s, e = m.start(), m.end()
        inner = m.group(1)
        if (
            _HAS_H_RE.search(inner)
            or (s > 0 and _HAS_H_RE.match(text, s - 1))
            or (e < len(text) and _HAS_H_RE.match(text, e))
        ):
            return f"（{inner}）"
        return m.group(0)

    for _ in range(5):
        before = text
        text = _ZH_PUNCT_RE.sub(lambda m: _ZH_PUNCT[m.group(0)], text)
        if "(" in text or ")" in text:
            text = _PAREN_PAIR_RE.sub(pair, text)
            text = _LPAREN_RE.sub("（", text)
            text = _RPAREN_RE.sub("）", text)
        if text == before:
            break
    return text


def normalise_width(text: str, lang: str | None = None) -> str:
    """Unify line endings, NFC, half-width letters/digits/spaces, single spaces; Chinese punctuation and spacing."""
    if not text:
        return text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        if _FW_ALNUM_RE.search(text):
            text = text.translate(_FW_TABLE)
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    if _ODD_SPACE_RE.search(text):
        text = _ODD_SPACE_RE.sub(" ", text)
    if "  " in text:
        text = _SPACES_RE.sub(" ", text)
    if lang is None:
        lang = detect_script_lang(text)
    if lang == "zh" and _HAS_H_RE.search(text):
        text = _zh_punct(text)
        text = _CJK_SPACE_RE.sub("", text)
    if text[0] == " " or text[-1] == " " or " \n" in text or "\n " in text:
        text = _EDGE_SPACE_RE.sub("", text)
    return text


# --------------------------------------------------------------------------- character-level scrubbing


@cache
def _ftfy_config() -> Any:  # built on first use: importing ftfy costs time that most documents do not need
    import ftfy

    # only the encoding repairs: widths, quotes, control characters and line breaks are this module's own
    return ftfy.TextFixerConfig(
        unescape_html=False,
        remove_terminal_escapes=False,
        fix_c1_controls=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def _plausible_utf8(piece: str) -> bool:
    """Whether characters standing for bytes (cp1252/latin-1) decode in UTF-8 to something text would hold
    (CJK, Cyrillic, Latin, punctuation; one Cyrillic or accented letter alone is too weak a sign)."""
    try:
        dec = bytes(_CP1252_SPECIALS.get(c, ord(c)) for c in piece).decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        return False
    if not _PLAUSIBLE_RE.fullmatch(dec):
        return False
    return len(dec) > 1 or "\u00c2" <= piece[0] <= "\u00c3" or piece[0] >= "\u00e2"


def _repair_mojibake(text: str, removed: dict[str, int] | None = None) -> str:
    """Decode UTF-8 that was read in a one-byte code page (cp1252, latin-1, cp1251, MacRoman; once or twice).

    ftfy does the decoding: on the bundled corpus it repairs exactly what the hand-written decoder it replaced
    did, and it also knows cp1251, MacRoman and double encoding. Before it, a run of such mojibake in which
    bytes were lost (cp1252 has no glyph for 0x81 0x8d 0x8f 0x90 0x9d) is dropped whole: ftfy would decode
    the pieces around the hole and leave the rest, putting half a word ("上海…织") into a sentence."""

    def drop_lossy(m: re.Match[str]) -> str:
        run = m.group(0)
        if not any(_plausible_utf8(sm.group(0)) for sm in _UTF8_SHAPE_RE.finditer(run)):
            return run  # no piece of it reads as text in UTF-8: not mojibake
        rest = _UTF8_SHAPE_RE.sub("", run)
        if not _BROKEN_SEQ_RE.search(rest):
            return run
        kept = _BROKEN_SEQ_RE.sub("", rest)
        if removed is not None:
            removed["garbage_chars"] += len(run) - len(kept)
        return kept

    if _UTF8_LEAD_RE.search(text):
        text = _HIGH_RUN_RE.sub(drop_lossy, text)
    if _MOJIBAKE_CHAR_RE.search(text) and _MOJIBAKE_HINT_RE.search(text):
        import ftfy

        # line by line, and only the lines that look like mojibake: what ftfy makes of a line must not depend
        # on the rest of the document (a second cleaning would then change the text again)
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if _MOJIBAKE_HINT_RE.search(line):
                fixed = ftfy.fix_text(line, _ftfy_config())
                if fixed != line and "\n" not in fixed:
                    lines[i] = fixed
                    if removed is not None:
                        removed["mojibake_repaired"] += 1
        text = "\n".join(lines)
    return text


def _split_lines(text: str, removed: dict[str, int]) -> str:
    """Unify line breaks; a form feed (page break) becomes a line of its own."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\f" in text:
        removed["page_breaks"] += text.count("\f")
        text = text.replace("\f", "\n\f\n")
    if "\v" in text or "\u2028" in text or "\u2029" in text:
        text = text.replace("\v", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return text


def _scrub(text: str, removed: dict[str, int]) -> str:
    """Character-level clean-up that never adds or removes a line break. A soft hyphen (or OCR "¬")
    ending a line is kept for the re-flow, which joins the split word."""
    if text.isascii() and not _ASCII_CTRL_RE.search(text):
        return text

    def bad(m: re.Match[str]) -> str:
        s = m.group(0)
        c = s[0]
        if c == "\u00ad":
            removed["soft_hyphens"] += 1
        elif c <= "\x9f":
            removed["control_chars"] += 1
        elif c in _ZERO_WIDTH:
            removed["zero_width_chars"] += 1
        else:
            removed["garbage_chars"] += len(s)
        return ""

    def box(m: re.Match[str]) -> str:
        s, t = m.group(0), m.string
        st, en = m.start(), m.end()
        if (st == 0 or t[st - 1] == "\n") and (en == len(t) or t[en] == "\n") and _RULE_LINE_RE.fullmatch(s):
            return s  # a drawn rule on its own line: maybe a footnote separator
        removed["garbage_chars"] += len(s)
        return ""

    for _ in range(4):
        before = text
        if not text.isascii():
            text = _repair_mojibake(text, removed)
            if "¬" in text:
                text, n = _NOT_SIGN_HYPHEN_RE.subn("", text)
                removed["soft_hyphens"] += n
        if _ANY_BAD_CHAR_RE.search(text):
            text = _BAD_CHAR_RE.sub(bad, text)
        if not text.isascii() and _ANY_BOX_RE.search(text):
            text = _BOX_RUN_RE.sub(box, text)
        if text == before:
            break
    return text


# --------------------------------------------------------------------------- line helpers

_BLANK, _PB, _FOLIO, _HEAD, _JUNK, _SEP, _BODY, _FN, _FNSEP, _TABLE, _REF = range(11)
# _JUNK also stands for an empty line that is only line spacing: a line that is no break and no text
_SIGNALS = (_PB, _FOLIO, _HEAD)
_DIGITS_RE = re.compile(r"\d+")
_ABBREV_END_RE = re.compile(
    r"(?:^|\s)(?:Mr|Mrs|Ms|Dr|St|No|Nos|Art|Vol|pp|p|U\.S|U\.N|e\.g|i\.e|г|гг|им|т\.е|ст|ул)\.$"
)
# words a sentence or a heading never ends on: a line ending on one runs on, whatever its width
_RUNS_ON_RE = re.compile(
    r"(?:^|\s)(?:a|an|the|of|to|in|into|for|with|by|on|at|from|and|or|nor|but|than|that|which|whose|upon|"
    r"between|among|against|about|under|over|through|during|without|within|toward|towards|its|their|our|"
    r"his|her|my|your|this|these|those|such|whether|both|either|neither|is|are|was|were|be|been|has|have|had|"
    r"will|would|shall|should|can|could|may|must|"
    r"в|во|на|с|со|по|к|ко|о|об|обо|от|до|из|у|за|над|под|при|про|для|без|через|между|перед|и|а|но|или|что|"
    r"чтобы|как|не|ни|ли|бы|который|которая|которое|которые|также)$"
)


def _dw(s: str) -> int:
    """Display width: CJK and full-width characters count two columns."""
    return len(s) if s.isascii() else len(s) + len(_WIDE_RE.findall(s))


def _is_wide(ch: str) -> bool:
    return _WIDE_RE.match(ch) is not None


def _ends_terminal(s: str) -> bool:
    t = s.rstrip(_CLOSERS)
    if not t:
        return True
    return t[-1] in _TERMINAL and not (t[-1] == "." and _ABBREV_END_RE.search(t[-8:]) is not None)


def _should_join(a: str, b: str, b_starts_para: bool, wa: int, layout: _Layout) -> bool:
    """Whether line b continues line a (a ends mid-sentence and b does not open a paragraph)."""
    last, first = a[-1], b[0]
    if b_starts_para and not (first.islower() and not _ends_terminal(a)):
        return False
    if last in _COMMA_LIKE:
        return True
    if last in "-\u00ad¬" and len(a) > 1 and a[-2].isalnum() and first.isalnum():
        return True
    if _ends_terminal(a):
        return False
    if first.islower() or first in _NO_LINE_START or (first in _OPENERS and b.lstrip(_OPENERS)[:1].islower()):
        return True
    width = layout.wrap
    if wa > width * 1.15 + 2:  # a line of its own, not a wrapped one
        return False
    if last.isalpha() and _RUNS_ON_RE.search(a[-16:]):
        return True
    if wa < layout.min_full:
        return False
    wide = _is_wide(first)
    tok = 2 if wide else len(_FIRST_TOKEN_RE.match(b).group(0))  # type: ignore[union-attr]
    if wide or _is_wide(last):  # CJK: justified lines, half-width digits make them a little uneven
        return wa + tok > width - max(layout.tol, 4)
    # the next word would not have fitted: a wrap, not a break; in proportional type a line may end with
    # room to spare (the document's own wraps say how much)
    return wa + 1 + tok > width - layout.tol - layout.slack


def _continues_after_blank(a: str, b: str) -> bool:
    """A blank line inside a sentence (page-break debris): a ends mid-sentence and b starts in lower case."""
    return b[0].islower() and not _ends_terminal(a)


class _Joiner:
    """Joins a line onto a paragraph: no space next to CJK, one space otherwise, dehyphenating split words."""

    def __init__(self, body_text: str, removed: dict[str, int]) -> None:
        self._text = body_text  # stripped lines joined by "\n"
        self._lower: str | None = None
        self._removed = removed
        self._cache: dict[tuple[str, str], bool] = {}

    def _has(self, pattern: str) -> bool:
        if self._lower is None:
            self._lower = self._text.lower()
        return re.search(pattern, self._lower) is not None

    def _keep_hyphen(self, left: str, right: str) -> bool:
        """For a lowercase word split at a line-end hyphen: is the hyphen part of a compound?"""
        lo, ro = left.lower(), right.lower()
        key = (lo, ro)
        if key in self._cache:
            return self._cache[key]
        le, re_ = re.escape(lo), re.escape(ro)
        if lo in _EN_PREFIXES or ro in _RU_PARTICLES or lo == "кое":
            keep = True
        elif self._has(rf"\b{le}{re_}\b"):  # the word occurs unsplit elsewhere
            keep = False
        elif self._has(rf"\b{le}-{re_}\b"):  # the compound occurs elsewhere
            keep = True
        elif (
            len(lo) >= 6 and lo[-1] in "ое" and lo[-2] not in _RU_VOWELS and len(ro) >= 5 and _RU_ADJ_END_RE.search(ro)
        ):
            keep = True  # военно-политический
        else:  # a half that is a word of its own elsewhere: a compound; two non-words: a split word
            keep = (len(lo) >= 2 and self._has(rf"\b{le}\b(?!-\n)")) or (
                len(ro) >= 2 and self._has(rf"(?<!-\n)\b{re_}\b")
            )
        self._cache[key] = keep
        return keep

    def __call__(self, a: str, b: str) -> str:
        self._removed["joined_breaks"] += 1
        if a[-1] in "\u00ad¬" and len(a) > 1 and a[-2].isalpha() and b[0].isalpha():
            self._removed["soft_hyphens"] += 1
            return a[:-1] + b
        if a[-1] == "-" and len(a) > 1 and a[-2].isalnum() and b[0].isalnum():
            m = _LAST_WORD_RE.search(a[-64:])
            fw = _FIRST_WORD_RE.match(b)
            if (
                m
                and fw
                and m.group(1)[-1].islower()
                and fw.group(0)[0].islower()
                and not self._keep_hyphen(m.group(1), fw.group(0))
            ):
                self._removed["dehyphenated"] += 1
                return a[:-1] + b
            return a + b
        if a[-1] in "—–" and len(a) > 1 and not a[-2].isspace():
            return a + b
        return a + ("" if (_is_wide(a[-1]) or _is_wide(b[0])) else " ") + b


def _indent_flags(raw_lines: list[str], kinds: list[int]) -> list[bool]:
    """Lines indented more than the document's usual indentation (e.g. "　　" in Chinese) open a paragraph."""
    weights = {" ": 1, "\t": 4, "\u3000": 2, "\u00a0": 1}
    ind = [0] * len(raw_lines)
    for i, r in enumerate(raw_lines):
        if r and r[0] in weights and kinds[i] == _BODY:
            w = 0
            for ch in r:
                if ch not in weights:
                    break
                w += weights[ch]
            ind[i] = w
    body = [ind[i] for i, k in enumerate(kinds) if k == _BODY]
    if not body:
        return [False] * len(raw_lines)
    base = Counter(body).most_common(1)[0][0]
    return [ind[i] > base for i in range(len(raw_lines))]


# --------------------------------------------------------------------------- page furniture


def _neighbour_kinds(kinds: list[int], i: int, step: int, limit: int) -> list[int]:
    out: list[int] = []
    j = i + step
    while 0 <= j < len(kinds) and len(out) < limit:
        if kinds[j] not in (_BLANK, _JUNK):
            out.append(kinds[j])
        j += step
    return out


def _next_line(kinds: list[int], i: int, step: int) -> int:
    """The index of the nearest line before (step -1) or after (step 1) line i that is not junk or spacing; -1."""
    j = i + step
    while 0 <= j < len(kinds) and kinds[j] == _JUNK:
        j += step
    return j if 0 <= j < len(kinds) else -1


def _after_notes(lines: list[str], kinds: list[int], i: int) -> bool:
    """Line i closes a block of notes: it or one of the two body lines before it opens like a note."""
    for _ in range(3):
        if i < 0 or kinds[i] != _BODY:
            return False
        if _STRONG_FN_RE.match(lines[i]) or _NOTE_LETTER_RE.match(lines[i]) or _WEAK_FN_RE.match(lines[i]):
            return True
        i = _next_line(kinds, i, -1)
    return False


def _mark_running_heads(lines: list[str], kinds: list[int], removed: dict[str, int]) -> None:
    """Short lines repeated >= 3 times at page edges (or at regular intervals inside running text)."""
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(lines):
        if kinds[i] != _BODY or len(s) >= 60:
            continue
        t = s.rstrip(_CLOSERS)
        if not t or t[-1] in _HEAD_BAD_END or not _LETTER_RE.search(s):
            continue
        groups.setdefault(" ".join(sorted(_DIGITS_RE.sub("#", s).split())), []).append(i)
    has_signals = any(k in (_PB, _FOLIO) for k in kinds)
    content = [i for i, k in enumerate(kinds) if k not in (_BLANK, _JUNK)]
    first_content = content[0] if content else -1
    for key, occ in groups.items():
        if len(occ) < 3:
            continue
        head = False
        if has_signals:
            edges = 0
            for i in occ:
                near = _neighbour_kinds(kinds, i, -1, 3) + _neighbour_kinds(kinds, i, 1, 3)
                if any(k in (_PB, _FOLIO) for k in near) or i == first_content:
                    edges += 1
            head = edges >= max(2, (len(occ) + 1) // 2)
        if not head and len({_DIGITS_RE.sub("#", lines[i]) for i in occ}) == 1:  # the same, but for a folio
            gaps = [b - a for a, b in pairwise(occ)]
            around = [(_next_line(kinds, i, -1), _next_line(kinds, i, 1)) for i in occ]  # line spacing skipped
            embedded = all(p >= 0 and q >= 0 and kinds[p] != _BLANK and kinds[q] != _BLANK for p, q in around)
            # it breaks into a sentence, or follows a page's notes
            interrupts = sum(
                1
                for p, _ in around
                if kinds[p] == _BODY and (not _ends_terminal(lines[p]) or _after_notes(lines, kinds, p))
            )
            head = embedded and min(gaps) >= 4 and max(gaps) <= 2.5 * min(gaps) and 2 * interrupts >= len(occ)
        if not head:
            continue
        for n, i in enumerate(occ):
            near_signal = any(k in (_PB, _FOLIO) for k in _neighbour_kinds(kinds, i, 1, 2))
            if n == 0 and i == first_content and "#" not in key and not near_signal:
                continue  # the document's own title at the top, repeated as a running head later
            kinds[i] = _HEAD
            removed["running_heads"] += 1


# --------------------------------------------------------------------------- footnotes


def _mark_footnotes(
    lines: list[str],
    kinds: list[int],
    join_ok: Callable[[int, int], bool],
    letters: frozenset[str] = frozenset(),
    numbers: frozenset[str] = frozenset(),
    chinese_doc: bool = False,
) -> list[bool]:
    """Mark footnote lines (kind _FN); returns, per line, whether it opens a new footnote. `letters` key notes
    ("a 王某：《…》"): strong before Chinese, weak before Latin or Cyrillic ("a Russian …" may be body text);
    `numbers` key notes too ("4 See …"), weakly: a line opening with a number is a note only at a page foot.
    In a Chinese document a keyed line before a Latin name ("c John Smith, …") is strong as well."""
    n = len(lines)
    strong = [k == _BODY and _STRONG_FN_RE.match(lines[i]) is not None for i, k in enumerate(kinds)]
    weak = [k == _BODY and _WEAK_FN_RE.match(lines[i]) is not None for i, k in enumerate(kinds)]
    if letters:
        for i, k in enumerate(kinds):
            if k == _BODY and (m := _NOTE_LETTER_RE.match(lines[i])) and m.group(1) in letters:
                rest = lines[i][m.end() :]
                # strong before Chinese: after a space ("a 王某"), or where the line cites ("a王某：《…》")
                spaced = m.end() > 1
                chinese = bool(rest) and (_is_wide(rest[0]) or _HAS_H_RE.search(rest[:12]) is not None)
                if (chinese and (spaced or _CITATION_RE.search(lines[i]))) or (spaced and chinese_doc):
                    strong[i] = True
                else:
                    weak[i] = True
    if numbers:
        for i, k in enumerate(kinds):
            if k == _BODY and (m := _NOTE_NUMBER_LINE_RE.match(lines[i])) and m.group(1) in numbers:
                weak[i] = True
    starts = [False] * n

    def take(i: int) -> None:
        kinds[i] = _FN
        starts[i] = strong[i] or weak[i] or _AFTER_SEP_FN_RE.match(lines[i]) is not None

    # 1. lines after a separator rule ("____", "———") that opens a block of marked notes
    for i in range(n - 1, -1, -1):  # backwards: of two rules in a row, both go with the notes below
        if kinds[i] != _SEP:
            continue
        j = i + 1
        while j < n and kinds[j] in (_BLANK, _JUNK, _PB, _FOLIO, _HEAD, _SEP, _FNSEP):
            j += 1
        if j < n and kinds[j] == _FN and starts[j]:
            kinds[i] = _FNSEP
            continue
        if j >= n or kinds[j] != _BODY:
            continue
        if not (strong[j] or weak[j] or _AFTER_SEP_FN_RE.match(lines[j])):
            continue
        kinds[i] = _FNSEP
        k, taken = j, 0
        while k < n and taken < 40:
            if kinds[k] == _BLANK:
                nxt = k + 1
                while nxt < n and kinds[nxt] == _BLANK:
                    nxt += 1
                if nxt < n and kinds[nxt] == _BODY and (strong[nxt] or weak[nxt] or _AFTER_SEP_FN_RE.match(lines[nxt])):
                    k = nxt
                    continue
                break
            if kinds[k] == _BODY:
                take(k)
                taken += 1
            elif kinds[k] != _JUNK:
                break
            k += 1

    # 2. notes at the foot of a page: the block of marked lines right before a folio / form feed / running head,
    #    and at the end of the document ("[1] ..." reference lists, "* ..." notes; not "1)" lists)
    signals = [i for i, k in enumerate(kinds) if k in _SIGNALS] + [n]
    for s in signals:
        at_end = s == n
        window: list[int] = []
        j = s - 1
        while j >= 0:
            k = kinds[j]
            if k in (_BLANK, _JUNK):
                j -= 1
                continue
            if k != _BODY and not (at_end and k == _FN):
                break
            window.append(j)
            j -= 1
        if not window:
            continue
        window.reverse()
        marker = {
            i: strong[i] or kinds[i] == _FN or ((_DOC_END_FN_RE.match(lines[i]) is not None) if at_end else weak[i])
            for i in window
        }
        last_bad = -1
        in_strong = False  # line p is a strongly marked note or goes on with one
        for p, q in pairwise(window):
            in_strong = strong[p] or (in_strong and not marker[p])
            if marker[q]:
                continue
            if any(kinds[x] == _BLANK for x in range(p + 1, q)) or (
                _ends_terminal(lines[p]) and not (in_strong and _note_goes_on(lines[p], lines[q]))
            ):
                last_bad = q
        if not marker[window[0]] and last_bad < 0:
            last_bad = window[0]
        cand = [i for i in window if i > last_bad and marker[i]]
        if not cand:
            continue
        zone = [i for i in window if i >= cand[0]]
        if not at_end and len(zone) > 8 and not any(strong[i] or kinds[i] == _FN for i in zone):
            continue  # a long numbered list at a page foot is body text, not notes
        for i in zone:
            if kinds[i] == _BODY:
                take(i)

    # 3. lines opening with ①, ¹, 注： anywhere, with the lines that continue them
    for i in range(n):
        if kinds[i] != _BODY or not strong[i]:
            continue
        take(i)
        p, q = i, _next_line(kinds, i, 1)
        while (
            q >= 0
            and kinds[q] == _BODY
            and not strong[q]
            and not weak[q]
            and (join_ok(p, q) or _note_goes_on(lines[p], lines[q]))
        ):
            take(q)
            p, q = q, _next_line(kinds, q, 1)
    return starts


def _note_goes_on(a: str, b: str) -> bool:
    """Line b goes on with the note that line a belongs to, where the re-flow's width test cannot tell: a ends
    on a colon or a comma, or b is the rest of a citation ("№ 5. С. 30–41.") after a period that only ended a
    part of it."""
    t = a.rstrip(_CLOSERS)
    if not t:
        return False
    if t[-1] in ":：,，":
        return True
    return t[-1] == "." and not b[0].islower() and _CITATION_RE.match(b) is not None


def _is_notes_heading(line: str) -> bool:
    return len(line) <= 40 and NOTES_HEADING_RE.fullmatch(line) is not None


def _mark_references(lines: list[str], kinds: list[int], join_ok: Callable[[int, int], bool]) -> list[bool]:
    """A reference list or the endnotes under their heading ("参考文献", "References", "Список литературы";
    "注释", "Notes", "Примечания") in the second half of the document: every body line after the heading is
    kept apart (_REF, or _FN for endnotes), entries joined across their wrapped lines. The heading stays in
    the body. Returns, per line, whether it opens an entry."""
    n = len(lines)
    starts = [False] * n
    body = [i for i, k in enumerate(kinds) if k == _BODY]
    head = next((i for i in reversed(body[len(body) // 2 :]) if _is_notes_heading(lines[i])), -1)
    if head < 0:
        return starts
    entries = [i for i in body if i > head]
    cited = sum(1 for i in entries if _CITATION_RE.search(lines[i]) or _ENTRY_START_RE.match(lines[i]))
    if not entries or 2 * cited < len(entries):
        return starts  # what follows does not read like references or notes
    kind = _FN if _NOTES_HEAD_RE.fullmatch(lines[head]) else _REF
    # entries start at their numbers ("[1]", "1.", in sequence) if they have them, else at an author's name
    # ("Smith, J.", "Иванов И. И.", "王某："), else where a line does not go on with the one before
    numbered = sum(1 for i in entries if _ENTRY_START_RE.match(lines[i])) >= max(2, len(entries) // 4)
    named = not numbered and any(_AUTHOR_START_RE.match(lines[i]) for i in entries)
    expected = 1
    prev = -1
    for i in entries:
        kinds[i] = kind
        if prev < 0:
            starts[i] = True
        elif numbered:
            m = _ENTRY_START_RE.match(lines[i])
            number = _DIGITS_RE.search(m.group(0)) if m else None
            starts[i] = m is not None and (number is None or int(number.group(0)) == expected)
        elif named:
            starts[i] = _AUTHOR_START_RE.match(lines[i]) is not None
        else:
            starts[i] = not join_ok(prev, i)
        if starts[i] and numbered and (m := _ENTRY_START_RE.match(lines[i])):
            number = _DIGITS_RE.search(m.group(0))
            expected = int(number.group(0)) + 1 if number else expected
        prev = i
    return starts


# --------------------------------------------------------------------------- the phases of clean_text


def _scrubbed_lines(raw: str, removed: dict[str, int]) -> tuple[list[str], list[str]]:
    """Scrub characters, keeping line breaks; returns the lines before scrubbing too: junk took room on the page."""
    text = _split_lines(raw, removed)
    pre_lines = text.split("\n")
    text = _scrub(text, removed)
    if not text.isascii() and _FW_ALNUM_RE.search(text):  # line classes must not depend on widths
        text = text.translate(_FW_TABLE)
    if _ODD_SPACE_RE.search(text):
        text = _ODD_SPACE_RE.sub(" ", text)
    if "  " in text:
        text = _SPACES_RE.sub(" ", text)
    lines = text.split("\n")
    if len(lines) != len(pre_lines):  # pragma: no cover - _scrub keeps line breaks
        pre_lines = lines
    return pre_lines, lines


def _classify_lines(pre_lines: list[str], raw_lines: list[str], removed: dict[str, int]) -> tuple[list[str], list[int]]:
    """Strip the lines and mark page furniture (folios, junk, rules, running heads), tables and line spacing:
    only body lines are re-flowed."""
    lines = [r.strip() for r in raw_lines]
    kinds = [_BODY] * len(lines)
    for i, s in enumerate(lines):
        if raw_lines[i] == "\f":
            kinds[i] = _PB
        elif not s:
            kinds[i] = _JUNK if pre_lines[i].strip() else _BLANK  # a line that was all junk is no break
        elif len(s) <= 24 and (s[-1].isdigit() or s[-1] in "-–—~·•|页)") and _FOLIO_RE.fullmatch(s):
            kinds[i] = _FOLIO
            removed["folios"] += 1
        elif not s.isascii() and _JUNK_LINE_RE.fullmatch(s):
            kinds[i] = _JUNK
            removed["junk_lines"] += 1
            removed["garbage_chars"] += len(s)
        elif s[0] in "_-—–─━═=*" and _SEP_RE.fullmatch(s):
            kinds[i] = _SEP
    if "|" in "".join(lines[i] for i, k in enumerate(kinds) if k == _BODY) or any(
        len(r) > 2 and r[-1] == " " == r[-2] for r in pre_lines
    ):
        _mark_tables(pre_lines, lines, kinds, removed)
    _mark_line_spacing(pre_lines, lines, kinds, removed)
    _mark_running_heads(lines, kinds, removed)
    return lines, kinds


_TABLE_RULE_RE = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)+\|?")  # "---|---" under a header row
_CELLS_RE = re.compile(r"(?:^|\s)\|(?:\s|$)")  # " | " between cells


def _mark_tables(pre_lines: list[str], lines: list[str], kinds: list[int], removed: dict[str, int]) -> None:
    """Rows of text tables ("a | b | c", under a "---|---" rule) and of image galleries (short captions ending
    in a Markdown line break): each row is kept as a paragraph of kind "table", never re-flowed."""
    n = len(lines)
    rows = [False] * n
    for i in range(n):
        if kinds[i] != _BODY:
            continue
        s = lines[i]
        if "|" in s and "-" in s and _TABLE_RULE_RE.fullmatch(s):  # the rule: header above, rows below
            kinds[i] = _JUNK
            removed["separators"] += 1
            if i > 0 and kinds[i - 1] == _BODY and "|" in lines[i - 1]:
                rows[i - 1] = True
            j = i + 1
            while j < n and kinds[j] not in (_BLANK, _PB, _SEP):
                rows[j] = kinds[j] == _BODY
                j += 1
        elif _CELLS_RE.search(s) and (
            (i + 1 < n and kinds[i + 1] == _BODY and _CELLS_RE.search(lines[i + 1]))
            or (i > 0 and kinds[i - 1] == _BODY and _CELLS_RE.search(lines[i - 1]))
        ):
            rows[i] = True
    # blocks of short lines, none ending a sentence, that are tables too: some with cells ("India | 2005",
    # then "Pakistan" under it), or at least six of them, half ending in a Markdown break (an image gallery)
    i = 0
    while i < n:
        if kinds[i] != _BODY or (i > 0 and kinds[i - 1] == _BODY):
            i += 1
            continue
        j = i
        while j < n and kinds[j] == _BODY:
            j += 1
        block = range(i, j)
        short = all(len(lines[x]) < 100 and not _ends_terminal(lines[x]) for x in block)
        if short and j - i >= 2 and any(_CELLS_RE.search(lines[x]) for x in block):
            caption = not _CELLS_RE.search(lines[i]) and _CELLS_RE.search(lines[i + 1]) is not None
            for x in range(i + caption, j):
                rows[x] = True
        elif (
            short
            and j - i >= 6
            and all(len(lines[x]) < 60 for x in block)
            and 2 * sum(1 for x in block if pre_lines[x].endswith("  ")) >= j - i
        ):
            first = i + (not pre_lines[i].endswith("  ") and pre_lines[i + 1].endswith("  "))  # a caption
            for x in range(first, j):
                rows[x] = True
        i = j
    for i in range(n):
        if rows[i]:
            kinds[i] = _TABLE
            removed["table_rows"] += 1


def _mark_line_spacing(pre_lines: list[str], lines: list[str], kinds: list[int], removed: dict[str, int]) -> None:
    """Decide from the document's own lines whether its empty lines are paragraph breaks or only line spacing
    (a double-spaced PDF extraction: every wrapped line followed by an empty one, sentences running across).

    Line spacing when at least 20 body lines, and most, are followed by one empty line, the lines are
    hard-wrapped (most about as wide as the running lines) and at least 30% of those empty lines fall
    inside a sentence (the line after goes on with the sentence the line before leaves open: in lower
    case, after a comma or a word no sentence ends on, Chinese after Chinese). Then one empty line is no
    break; two still are. The cleaner's own output (one paragraph a line, blank-separated) does not
    qualify: its paragraphs end sentences, and where one does not, the next does not go on with it."""
    body = [i for i, k in enumerate(kinds) if k == _BODY]
    n = len(kinds)
    pairs = [(i, i + 2) for i in body if i + 2 < n and kinds[i + 1] == _BLANK and kinds[i + 2] == _BODY]
    if len(pairs) < 20 or len(pairs) < 0.5 * len(body):
        return
    widths = {i: _dw(pre_lines[i].rstrip()) for i in body}
    running = sorted(widths[i] for i in body if not _ends_terminal(lines[i]))
    if not running:
        return
    wrap = running[int(0.9 * (len(running) - 1))]
    if wrap < 30 or sum(1 for i in body if 0.8 * wrap <= widths[i] <= 1.15 * wrap + 2) < 0.5 * len(body):
        return  # short lines, or lines of any length: one paragraph per line
    if sum(1 for i, j in pairs if _runs_across(lines[i], lines[j])) < 0.3 * len(pairs):
        return  # no sentence runs across the empty lines: a list, headlines, paragraphs
    for i, _ in pairs:
        kinds[i + 1] = _JUNK
        removed["line_spacing"] += 1


def _runs_across(a: str, b: str) -> bool:
    """Line b goes on with the sentence that line a leaves open."""
    if _ends_terminal(a):
        return False
    last, first = a[-1], b[0]
    return (
        first.islower()
        or last in _COMMA_LIKE
        or (_HAS_H_RE.match(last) is not None and _HAS_H_RE.match(first) is not None and first not in "（(【《“")
        or (last.isalpha() and _RUNS_ON_RE.search(a[-16:]) is not None)
    )


@dataclass(frozen=True)
class _Layout:
    """How wide the document's lines run, which decides whether a line break is a wrap or a paragraph end."""

    widths: list[int]  # display width of each body line (0 for other lines)
    para_start: list[bool]  # the line opens a paragraph (indented more than usual, or a list item)
    wrap: int  # the wrap width
    tol: int  # how far short of the wrap width a line may end and still be full
    min_full: int  # a line shorter than this is a line of its own, never a wrapped one
    slack: int  # room a wrapped line may leave unused (proportional type), learnt from the document's wraps

    def joins(self, a: str, b: str, a_at: int, b_at: int) -> bool:
        """Whether line `b` (line `b_at`) continues `a`, whose last line is line `a_at`."""
        return _should_join(a, b, self.para_start[b_at], self.widths[a_at], self)


def _measure_layout(pre_lines: list[str], lines: list[str], kinds: list[int]) -> _Layout:
    """Measure body lines' widths and indents: the evidence that tells a wrapped line from a paragraph end."""
    body_idx = [i for i, k in enumerate(kinds) if k == _BODY]
    widths = [0] * len(lines)
    for i in body_idx:
        widths[i] = _dw(pre_lines[i].rstrip())  # indentation and junk glyphs took room on the line too
    # wrap width: taken from lines that run on (no terminal punctuation), so that long unwrapped lines
    # (notes, one-paragraph-per-line text) do not inflate it; a "full" line must also be about as long as
    # the document's typical line, so headings in one-paragraph-per-line text never look wrapped
    wrap = typical = 0
    if body_idx:
        ws = sorted(widths[i] for i in body_idx)
        typical = ws[len(ws) // 2]
        running = sorted(widths[i] for i in body_idx if not _ends_terminal(lines[i]))
        if len(running) >= 3:
            ws = running
        wrap = ws[min(len(ws) - 1, int(0.9 * len(ws)))]
    para_start = _indent_flags(pre_lines, kinds)
    for i in body_idx:
        if not para_start[i] and _LIST_START_RE.match(lines[i]):
            para_start[i] = True
    tol = max(1, wrap // 25)
    return _Layout(widths, para_start, wrap, tol, int(0.6 * typical), _wrap_slack(lines, kinds, widths, wrap, tol))


def _wrap_slack(lines: list[str], kinds: list[int], widths: list[int], wrap: int, tol: int) -> int:
    """How much room a line may leave and still be wrapped. Lines broken before a lower-case word are sure
    wraps: in monospaced text the next word never fits on them; in proportional type (a PDF's text layer,
    counted in characters) it sometimes would have, and then how many characters fit on a line varies too
    much for the fit test: a line ending mid-sentence that fills three quarters of the width is a wrap."""
    if not wrap:
        return 0
    sure = loose = 0
    prev = -1
    for i, k in enumerate(kinds):
        if k == _JUNK:
            continue
        if k == _BODY and prev >= 0:
            a, b = lines[prev], lines[i]
            if b[0].islower() and a[-1].isalpha() and widths[prev] <= wrap * 1.15 + 2 and not _ends_terminal(a):
                sure += 1
                tok = len(_FIRST_TOKEN_RE.match(b).group(0))  # type: ignore[union-attr]
                loose += wrap - widths[prev] - 1 - tok >= max(2, tol)
        prev = i if k == _BODY else -1
    return wrap // 4 if sure >= 8 and loose >= 0.02 * sure else 0


def _reflow(
    lines: list[str], kinds: list[int], layout: _Layout, joiner: _Joiner, removed: dict[str, int]
) -> list[tuple[str, str]]:
    """Join wrapped body lines into paragraphs; furniture and notes between two lines (a page end) split none.
    Table rows stay rows. Returns (text, kind) in document order."""
    paras: list[tuple[str, str]] = []
    cur: str | None = None
    last = -1
    blank = soft = False
    for i, k in enumerate(kinds):
        if k == _BODY:
            s = lines[i]
            if cur is None:
                cur = s
            elif (blank and not soft and not _continues_after_blank(cur, s)) or not layout.joins(
                cur, s, last, i
            ):  # decided on the paragraph so far, as a second pass over the output would see it
                paras.append((cur, "body"))
                cur = s
            else:
                cur = joiner(cur, s)
            last = i
            blank = soft = False
        elif k == _BLANK:
            blank = True
        elif k in (_SEP, _TABLE):  # a table row, or a rule that does not introduce notes: a paragraph of its own
            if cur is not None:
                paras.append((cur, "body"))
            paras.append((lines[i], "body" if k == _SEP else "table"))
            cur = None
            blank = True
        elif k == _FNSEP:
            removed["separators"] += 1
            soft = True
        elif k != _JUNK:
            soft = True
    if cur is not None:
        paras.append((cur, "body"))
    return paras


def _gather_notes(lines: list[str], kinds: list[int], starts: list[bool], joiner: _Joiner) -> list[tuple[str, str]]:
    """Join footnote and reference lines into notes, in document order, so they can follow the body."""
    notes: list[tuple[str, str]] = []
    last: dict[str, int] = {}  # the note each kind goes on with (a page's footnotes can cut a reference list)
    for i, k in enumerate(kinds):
        if k not in (_FN, _REF):
            continue
        kind = "footnote" if k == _FN else "reference"
        if starts[i] or kind not in last:
            last[kind] = len(notes)
            notes.append((lines[i], kind))
        else:
            j = last[kind]
            notes[j] = (joiner(notes[j][0], lines[i]), kind)
    return notes


def _strip_markers(
    texts: list[str],
    body: list[bool],
    pattern: re.Pattern[str],
    keep: Callable[[str], bool] | None,
    removed: dict[str, int],
    markers: list[Marker],
) -> None:
    """Remove footnote markers from body lines or paragraphs (the notes they point to follow the body),
    recording each; `keep(label)` says which matches are markers (None: every match of _BODY_MARKER_RE)."""

    def cut(m: re.Match[str]) -> str:
        label = m.group(0)
        if keep is not None and not keep(label):
            return label
        removed["footnote_markers"] += 1
        markers.append(Marker(label, m.string[max(0, m.start() - 12) : m.start()]))
        return ""

    if keep is None and not _HAS_MARKER_RE.search("\n".join(texts)):
        return
    for i, is_body in enumerate(body):
        if not is_body or (keep is None and not _HAS_MARKER_RE.search(texts[i])):
            continue
        s = texts[i]
        for _ in range(4):  # removing one marker can bring another next to a word
            t = pattern.sub(cut, s)
            if t == s:
                break
            s = t
        if s != texts[i]:
            texts[i] = s.strip() or texts[i]


def _note_keys(lines: list[str], kinds: list[int]) -> tuple[frozenset[str], frozenset[str]]:
    """Letters and numbers that key this document's notes: some line opens with the key ("a 王某：…",
    "b John Smith, …", "4 See …") and the body has the same key glued after punctuation ("…的关键。b",
    "…peace.\"4")."""
    note_lines = {i: m.group(1) for i, k in enumerate(kinds) if k == _BODY and (m := _NOTE_LETTER_RE.match(lines[i]))}
    letters = set(note_lines.values())
    numbers = {m.group(1) for i, k in enumerate(kinds) if k == _BODY and (m := _NOTE_NUMBER_LINE_RE.match(lines[i]))}
    if not letters and not numbers:
        return frozenset(), frozenset()
    glued_letters: set[str] = set()
    glued_numbers: set[str] = set()
    for i, k in enumerate(kinds):
        if k != _BODY:
            continue
        if letters:
            glued = set(_GLUED_LETTER_RE.findall(lines[i]))
            # a note's key and its glued marker are on different lines: a line that opens with a key and has
            # the same letter glued ("a上海…领a") is one line of text, not a note and its marker
            glued.discard(note_lines.get(i))
            glued_letters.update(glued)
            if _wrapped_letter(lines, kinds, i):
                glued_letters.add(lines[i][0])
        if numbers:
            glued_numbers.update(_GLUED_DIGITS_RE.findall(lines[i]))
    return frozenset(letters & glued_letters), frozenset(numbers & glued_numbers)


def _strip_wrapped_letters(
    lines: list[str], kinds: list[int], letters: frozenset[str], removed: dict[str, int], markers: list[Marker]
) -> None:
    """A glued marker the line broke after ("…的关键。" / "b本文…"): a key letter opening a line, Chinese right
    after it, no citation in the line, and the line before ending on Chinese punctuation."""
    for i, k in enumerate(kinds):
        if k == _BODY and lines[i][:1] in letters and _wrapped_letter(lines, kinds, i):
            removed["footnote_markers"] += 1
            markers.append(Marker(lines[i][0], lines[_next_line(kinds, i, -1)][-12:]))
            lines[i] = lines[i][1:]


def _wrapped_letter(lines: list[str], kinds: list[int], i: int) -> bool:
    """Line i opens with a marker letter the line before broke after: Chinese right after the letter, no
    citation in the line, and the line before ending on Chinese punctuation."""
    s = lines[i]
    if len(s) < 2 or not "a" <= s[0] <= "h" or not _HAS_H_RE.match(s[1]) or _CITATION_RE.search(s):
        return False
    p = _next_line(kinds, i, -1)
    return p >= 0 and kinds[p] == _BODY and lines[p][-1:] in "。，；：！？”）》"


def _rescrub(block: list[tuple[str, str]], removed: dict[str, int]) -> list[tuple[str, str]]:
    """Scrub paragraphs again: joining lines (or dropping a marker) can bring junk pieces together."""
    return [(_scrub(p, removed), k) if not p.isascii() and _RESCRUB_RE.search(p) else (p, k) for p, k in block]


def _finish(
    paras: list[tuple[str, str]], notes: list[tuple[str, str]], lang: str | None, removed: dict[str, int]
) -> list[Paragraph]:
    """Normalise widths and punctuation and drop what only now shows as furniture; text first, then notes."""
    out: list[Paragraph] = []
    for block in (paras, notes):
        if not block:
            continue
        joined = "\n".join(p for p, _ in block)
        if "\u00ad" in joined:  # a soft hyphen that ended a line which was not joined
            removed["soft_hyphens"] += joined.count("\u00ad")
            joined = joined.replace("\u00ad", "")
        for p, (_, kind) in zip(normalise_width(joined, lang).split("\n"), block, strict=True):
            if not p:
                continue
            if len(p) <= 24 and _FOLIO_RE.fullmatch(p):
                removed["folios"] += 1
                continue
            if not p.isascii() and _JUNK_LINE_RE.fullmatch(p):
                removed["junk_lines"] += 1
                removed["garbage_chars"] += len(p)
                continue
            out.append(Paragraph(p, kind))
        while block is paras and out and _SEP_RE.fullmatch(out[-1].text):  # a closing rule separates nothing
            out.pop()
            removed["separators"] += 1
    removed["footnotes"] += sum(1 for p in out if p.kind == "footnote")
    removed["references"] += sum(1 for p in out if p.kind == "reference")
    return out


# --------------------------------------------------------------------------- main entry point


def clean_text(raw: str, lang: str | None = None) -> CleanResult:
    """Remove garbage, page furniture and footnotes from raw text and re-flow it into paragraphs."""
    removed = dict.fromkeys(_COUNTERS, 0)
    markers: list[Marker] = []
    if not raw:
        return CleanResult([], removed, markers)
    pre_lines, raw_lines = _scrubbed_lines(raw, removed)
    lines, kinds = _classify_lines(pre_lines, raw_lines, removed)
    is_body = [k == _BODY for k in kinds]
    _strip_markers(lines, is_body, _BODY_MARKER_RE, None, removed, markers)  # ①, ¹, [1] after a word
    letters, numbered = _note_keys(lines, kinds)
    if letters:
        _strip_markers(lines, is_body, _GLUED_LETTER_RE, letters.__contains__, removed, markers)
        _strip_wrapped_letters(lines, kinds, letters, removed, markers)
    layout = _measure_layout(pre_lines, lines, kinds)
    join_ok = lambda p, q: layout.joins(lines[p], lines[q], p, q)  # noqa: E731
    chinese_doc = bool(letters) and detect_script_lang("\n".join(lines)) == "zh"
    fn_starts = _mark_footnotes(lines, kinds, join_ok, letters, numbered, chinese_doc)
    ref_starts = _mark_references(lines, kinds, join_ok)
    numbers = {
        m.group(1)
        for i, k in enumerate(kinds)
        if k in (_FN, _REF) and (fn_starts[i] or ref_starts[i]) and (m := _NOTE_NUMBER_RE.match(lines[i]))
    }
    if numbers:  # digits glued after punctuation, where a note carries that number
        is_body = [k == _BODY for k in kinds]
        _strip_markers(lines, is_body, _GLUED_DIGITS_RE, numbers.__contains__, removed, markers)
    body_text = "\n".join(lines[i] for i, k in enumerate(kinds) if k == _BODY)
    joiner = _Joiner(body_text, removed)
    paras = _reflow(lines, kinds, layout, joiner, removed)
    texts = [p for p, _ in paras]  # a marker that opened a line is inside the paragraph now
    _strip_markers(texts, [k == "body" for _, k in paras], _BODY_MARKER_RE, None, removed, markers)
    paras = [(t, k) for t, (_, k) in zip(texts, paras, strict=True)]
    notes = _gather_notes(lines, kinds, [a or b for a, b in zip(fn_starts, ref_starts, strict=True)], joiner)
    if lang is None:
        lang = detect_script_lang(body_text + "\n" + "\n".join(p for p, _ in notes))
        if lang == UNDETERMINED:  # no letters: normalise_width then looks at the body and the notes apart
            lang = None
    return CleanResult(_finish(_rescrub(paras, removed), _rescrub(notes, removed), lang, removed), removed, markers)


# --------------------------------------------------------------------------- Traditional -> Simplified


@cache
def _simplify_char(ch: str) -> str:
    import zhconv

    out = zhconv.convert(ch, "zh-cn")
    return out if len(out) == 1 else ch


_ZH_SEGMENT_RE = re.compile(r"[^\s\x00-\x40\[-`{-~，。、；：？！“”‘’（）《》〈〉【】「」『』…—·]+")


def to_simplified(text: str) -> str:
    """Traditional -> Simplified Chinese with zhconv, keeping len(out) == len(text) so offsets stay valid."""
    if not text or text.isascii():
        return text
    chars = {c for c in set(text) if c >= "\u2e80"}
    differing = {c for c in chars if _simplify_char(c) != c}
    if not differing:
        return text
    import zhconv

    out: list[str] = []
    pos = 0
    for m in _ZH_SEGMENT_RE.finditer(text):
        seg = m.group(0)
        if differing.isdisjoint(seg):
            continue
        conv = zhconv.convert(seg, "zh-cn")
        if len(conv) != len(seg):  # a phrase rule changed the length: convert character by character
            conv = "".join(_simplify_char(c) for c in seg)
        out.append(text[pos : m.start()])
        out.append(conv)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)
