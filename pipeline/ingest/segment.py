"""Split cleaned paragraphs into passages: sentence windows of bounded length, tokenised once."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.ingest.tokenise import get_nlp

# A Chinese sentence ends at 。！？； or an ellipsis, with any closing quotes or brackets after it.
_ZH_SENT_END = re.compile(r"(?:[。！？；!?]|……|…)[”’」』）》\)\]]*")
_ZH_SOFT_BREAK = re.compile(r"[，、：,:]")
_SOFT_BREAK = re.compile(r"[,;:]\s|\s")

@dataclass
class Window:
    start: int  # offsets into the paragraph
    end: int
    tokens: list[str]


def _zh_sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in _ZH_SENT_END.finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _split_long(text: str, start: int, end: int, max_chars: int, soft: re.Pattern) -> list[tuple[int, int]]:
    """Cut an over-long sentence at the last soft break (comma, space) before each limit."""
    out = []
    while end - start > max_chars:
        cut = None
        for m in soft.finditer(text, start + max_chars // 2, start + max_chars):
            cut = m.end()
        cut = cut or start + max_chars
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def _windows(spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and e - out[-1][0] <= max_chars:
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


# The longest text given to spaCy in one call. A paragraph longer than this (a file that is one huge line) is
# segmented piece by piece, cut at the last sentence end (else soft break, else anywhere) before each limit, so
# spaCy's `max_length` (1,000,000 characters) is never reached and memory stays bounded.
PIECE_CHARS = 100_000
_HARD_BREAK = re.compile(r"(?:[。！？；!?.]|……|…)[”’」』）》\)\]\"']*\s*")


def pieces(text: str, limit: int = PIECE_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces of at most `limit` characters covering `text`, cut at a sentence end where there is
    one in the second half of the piece, else at a soft break, else at the limit."""
    out, start = [], 0
    while len(text) - start > limit:
        cut = None
        for pattern in (_HARD_BREAK, _SOFT_BREAK, _ZH_SOFT_BREAK):
            for m in pattern.finditer(text, start + limit // 2, start + limit):
                cut = m.end()
            if cut:
                break
        cut = cut if cut and cut > start else start + limit
        out.append((start, cut))
        start = cut
    out.append((start, len(text)))
    return out


def segment_paragraph(text: str, lang: str, max_chars: int) -> list[Window]:
    """Passages of one paragraph, each at most `max_chars` long unless a single token is longer. A paragraph
    longer than PIECE_CHARS is segmented in pieces (see `pieces`); offsets stay those of the paragraph."""
    if len(text) > PIECE_CHARS:
        out = []
        for a, b in pieces(text):
            out += [Window(a + w.start, a + w.end, w.tokens) for w in _segment(text[a:b], lang, max_chars)]
        return out
    return _segment(text, lang, max_chars)


def _segment(text: str, lang: str, max_chars: int) -> list[Window]:
    nlp_lang = lang if lang in ("zh", "en", "ru") else "xx"
    doc = get_nlp(nlp_lang)(text)
    if nlp_lang == "zh":
        sentences = _zh_sentences(text)
        soft = _ZH_SOFT_BREAK
    else:
        sentences = [(s.start_char, s.end_char) for s in doc.sents] if doc.has_annotation("SENT_START") else [
            (0, len(text))]
        soft = _SOFT_BREAK
    pieces: list[tuple[int, int]] = []
    for s, e in sentences:
        pieces.extend(_split_long(text, s, e, max_chars, soft))
    windows = []
    tok_iter = [(t.idx, t.text) for t in doc if not t.is_space]
    k = 0
    for s, e in _windows(pieces, max_chars):
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            continue
        toks = []
        while k < len(tok_iter) and tok_iter[k][0] < e:
            if tok_iter[k][0] >= s:
                toks.append(tok_iter[k][1])
            k += 1
        windows.append(Window(s, e, toks))
    return windows
