"""Clean raw extracted text (Chinese, English, Russian; often PDF-dirty) into body paragraphs and footnotes."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from pipeline.ingest.langid import UNDETERMINED, detect_script_lang

__all__ = ["CleanResult", "Paragraph", "clean_text", "normalise_width", "to_simplified"]


@dataclass(frozen=True)
class Paragraph:
    text: str
    kind: str  # "body" | "footnote"


@dataclass
class CleanResult:
    paragraphs: list[Paragraph]  # body paragraphs in order, then footnotes
    removed: dict[str, int]  # what was dropped, repaired or joined, by kind

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)


_COUNTERS = (
    "garbage_chars",  # U+FFFD, private-use glyphs, box/shape junk runs, unrepairable mojibake
    "mojibake_repaired",  # runs of UTF-8-read-as-cp1252/latin-1 decoded back
    "control_chars",
    "zero_width_chars",
    "soft_hyphens",  # U+00AD and the OCR "¬" used as a discretionary hyphen
    "page_breaks",  # form feeds
    "folios",
    "running_heads",
    "junk_lines",  # lines made only of box-drawing / geometric glyphs
    "footnotes",  # footnote paragraphs moved after the body
    "footnote_markers",  # in-body markers (①, ¹, [1]) removed
    "separators",  # "____" / "———" rules that introduced footnotes
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
_NO_LINE_START = set("，。、；：？！）」』”》…,.;:!?)")
_LETTER_RE = re.compile(r"[^\W\d_]")
_FIRST_TOKEN_RE = re.compile(r"\S+")
_HEAD_BAD_END = set(",，、;；:：!！")

# --------------------------------------------------------------------------- in-body footnote markers

_BODY_MARKER_RE = re.compile(
    "(?<=[^\\s:：;；,，、(（\\[【])[\u2460-\u2473\u3251-\u325f\u32b1-\u32bf]+"
    f'|(?:(?<=[^\\W\\d_]{{3}})|(?<=[{_HAN}.,;:!?。，；：！？”"’)）\\]]))[¹²³\u2070\u2074-\u2079]+(?![\\d¹²³\u2070\u2074-\u2079])'
    r"|(?<=[^\s\[(（［])[\[［]\d{1,3}(?:[,，–-]\d{1,3})*[\]］]"
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


def _repair_mojibake(text: str, removed: dict[str, int] | None = None) -> str:
    """Decode runs of UTF-8 that were read as cp1252/latin-1; drop such runs when bytes were lost."""

    def fix(m: re.Match[str]) -> str:
        original = run = m.group(0)
        if not _UTF8_SHAPE_RE.search(run):
            return original
        pieces: list[tuple[str, bool]] = []  # (text, decoded?)
        pos = 0
        for sm in _UTF8_SHAPE_RE.finditer(run):
            try:
                dec = bytes(_CP1252_SPECIALS.get(c, ord(c)) for c in sm.group(0)).decode("utf-8")
            except UnicodeDecodeError:
                continue
            if not _PLAUSIBLE_RE.fullmatch(dec):
                continue
            if len(dec) == 1 and not ("\u00c2" <= sm.group(0)[0] <= "\u00c3" or sm.group(0)[0] >= "\u00e2"):
                continue  # one Cyrillic/Latin-extended letter (e.g. "Ñ»" in «ESPAÑA»): too weak a sign
            pieces.append((run[pos : sm.start()], False))
            pieces.append((dec, True))
            pos = sm.end()
        pieces.append((run[pos:], False))
        n_fixed = sum(1 for _, d in pieces if d)
        if not n_fixed:
            return original
        if any(_BROKEN_SEQ_RE.search(p) for p, d in pieces if not d):
            # bytes were lost (cp1252 has no glyph for 0x81 0x8d 0x8f 0x90 0x9d): unrepairable, drop
            kept = "".join(_BROKEN_SEQ_RE.sub("", p) for p, d in pieces if not d)
            if removed is not None:
                removed["garbage_chars"] += len(run) - len(kept)
            return kept
        if removed is not None:
            removed["mojibake_repaired"] += n_fixed
        return "".join(p for p, _ in pieces)

    return _HIGH_RUN_RE.sub(fix, text)


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
            if _UTF8_LEAD_RE.search(text):
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

_BLANK, _PB, _FOLIO, _HEAD, _JUNK, _SEP, _BODY, _FN, _FNSEP = range(9)
_SIGNALS = (_PB, _FOLIO, _HEAD)
_DIGITS_RE = re.compile(r"\d+")
_ABBREV_END_RE = re.compile(
    r"(?:^|\s)(?:Mr|Mrs|Ms|Dr|St|No|Nos|Art|Vol|pp|p|U\.S|U\.N|e\.g|i\.e|г|гг|им|т\.е|ст|ул)\.$"
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


def _should_join(a: str, b: str, b_starts_para: bool, wa: int, width: int, tol: int, min_full: int) -> bool:
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
    if first.islower() or first in _NO_LINE_START:
        return True
    if wa > width * 1.15 + 2 or wa < min_full:  # a line of its own, not a wrapped one
        return False
    wide = _is_wide(first)
    tok = 2 if wide else len(_FIRST_TOKEN_RE.match(b).group(0))  # type: ignore[union-attr]
    if wide or _is_wide(last):  # CJK: justified lines, half-width digits make them a little uneven
        return wa + tok > width - max(tol, 4)
    return wa + 1 + tok > width - tol  # the next word would not have fitted: a wrap, not a break


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
        if not head and len({lines[i] for i in occ}) == 1:
            gaps = [b - a for a, b in pairwise(occ)]
            embedded = all(0 < i < len(kinds) - 1 and kinds[i - 1] != _BLANK and kinds[i + 1] != _BLANK for i in occ)
            interrupts = sum(1 for i in occ if kinds[i - 1] == _BODY and not _ends_terminal(lines[i - 1]))
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


def _mark_footnotes(lines: list[str], kinds: list[int], join_ok: Callable[[int, int], bool]) -> list[bool]:
    """Mark footnote lines (kind _FN); returns, per line, whether it opens a new footnote."""
    n = len(lines)
    strong = [k == _BODY and _STRONG_FN_RE.match(lines[i]) is not None for i, k in enumerate(kinds)]
    weak = [k == _BODY and _WEAK_FN_RE.match(lines[i]) is not None for i, k in enumerate(kinds)]
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
        for p, q in pairwise(window):
            if marker[q]:
                continue
            if any(kinds[x] == _BLANK for x in range(p + 1, q)) or _ends_terminal(lines[p]):
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
        p, q = i, i + 1
        while q < n and kinds[q] == _BODY and not strong[q] and not weak[q] and join_ok(p, q):
            take(q)
            p, q = q, q + 1
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
    """Strip the lines and mark page furniture (folios, junk, rules, running heads): only body lines are re-flowed."""
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
    _mark_running_heads(lines, kinds, removed)
    return lines, kinds


@dataclass(frozen=True)
class _Layout:
    """How wide the document's lines run, which decides whether a line break is a wrap or a paragraph end."""

    widths: list[int]  # display width of each body line (0 for other lines)
    para_start: list[bool]  # the line opens a paragraph (indented more than usual, or a list item)
    wrap: int  # the wrap width
    tol: int  # how far short of the wrap width a line may end and still be full
    min_full: int  # a line shorter than this is a line of its own, never a wrapped one

    def joins(self, a: str, b: str, a_at: int, b_at: int) -> bool:
        """Whether line `b` (line `b_at`) continues `a`, whose last line is line `a_at`."""
        return _should_join(a, b, self.para_start[b_at], self.widths[a_at], self.wrap, self.tol, self.min_full)


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
    return _Layout(widths, para_start, wrap, max(1, wrap // 25), int(0.6 * typical))


def _reflow(lines: list[str], kinds: list[int], layout: _Layout, joiner: _Joiner, removed: dict[str, int]) -> list[str]:
    """Join wrapped body lines into paragraphs; furniture and notes between two lines (a page end) split none."""
    paras: list[str] = []
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
                paras.append(cur)
                cur = s
            else:
                cur = joiner(cur, s)
            last = i
            blank = soft = False
        elif k == _BLANK:
            blank = True
        elif k == _SEP:  # a rule that does not introduce notes: kept as a paragraph of its own
            if cur is not None:
                paras.append(cur)
            paras.append(lines[i])
            cur = None
            blank = True
        elif k == _FNSEP:
            removed["separators"] += 1
            soft = True
        elif k != _JUNK:
            soft = True
    if cur is not None:
        paras.append(cur)
    return paras


def _gather_notes(lines: list[str], kinds: list[int], starts: list[bool], joiner: _Joiner) -> list[str]:
    """Join footnote lines into notes, in document order, so they can follow the body."""
    notes: list[str] = []
    for i, k in enumerate(kinds):
        if k != _FN:
            continue
        if starts[i] or not notes:
            notes.append(lines[i])
        else:
            notes[-1] = joiner(notes[-1], lines[i])
    return notes


def _drop_markers(paras: list[str], removed: dict[str, int]) -> list[str]:
    """Remove in-body footnote markers (①, ¹, [1]): the notes they point to now follow the body."""
    out: list[str] = []
    for p in paras:
        if _HAS_MARKER_RE.search(p):
            c = k = 1
            while k and c < 5:  # removing one marker can bring another next to a word
                p, k = _BODY_MARKER_RE.subn("", p)
                c += k
            removed["footnote_markers"] += c - 1
        out.append(p)
    return out


def _rescrub(block: list[str], removed: dict[str, int]) -> list[str]:
    """Scrub paragraphs again: joining lines (or dropping a marker) can bring junk pieces together."""
    return [_scrub(p, removed) if not p.isascii() and _RESCRUB_RE.search(p) else p for p in block]


def _finish(paras: list[str], notes: list[str], lang: str | None, removed: dict[str, int]) -> list[Paragraph]:
    """Normalise widths and punctuation and drop what only now shows as furniture; body first, then footnotes."""
    out: list[Paragraph] = []
    for kind, block in (("body", paras), ("footnote", notes)):
        if not block:
            continue
        joined = "\n".join(block)
        if "\u00ad" in joined:  # a soft hyphen that ended a line which was not joined
            removed["soft_hyphens"] += joined.count("\u00ad")
            joined = joined.replace("\u00ad", "")
        for p in normalise_width(joined, lang).split("\n"):
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
        while kind == "body" and out and _SEP_RE.fullmatch(out[-1].text):  # a closing rule separates nothing
            out.pop()
            removed["separators"] += 1
    removed["footnotes"] += sum(1 for p in out if p.kind == "footnote")
    return out


# --------------------------------------------------------------------------- main entry point


def clean_text(raw: str, lang: str | None = None) -> CleanResult:
    """Remove garbage, page furniture and footnotes from raw text and re-flow it into paragraphs."""
    removed = dict.fromkeys(_COUNTERS, 0)
    if not raw:
        return CleanResult([], removed)
    pre_lines, raw_lines = _scrubbed_lines(raw, removed)
    lines, kinds = _classify_lines(pre_lines, raw_lines, removed)
    layout = _measure_layout(pre_lines, lines, kinds)
    fn_starts = _mark_footnotes(lines, kinds, lambda p, q: layout.joins(lines[p], lines[q], p, q))
    body_text = "\n".join(lines[i] for i, k in enumerate(kinds) if k == _BODY)
    joiner = _Joiner(body_text, removed)
    paras = _reflow(lines, kinds, layout, joiner, removed)
    notes = _gather_notes(lines, kinds, fn_starts, joiner)
    if lang is None:
        lang = detect_script_lang(body_text + "\n" + "\n".join(notes))
        if lang == UNDETERMINED:  # no letters: normalise_width then looks at the body and the notes apart
            lang = None
    paras = _rescrub(_drop_markers(paras, removed), removed)
    notes = _rescrub(notes, removed)
    return CleanResult(_finish(paras, notes, lang, removed), removed)


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
