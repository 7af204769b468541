r"""Name the parts of a cleaned document: title, authors, abstract, keywords and section headings.

The cleaner gives body and table paragraphs in document order, then the notes (footnote, reference). This
module renames some body paragraphs by what they are, so that structure is kept as structure and not read
as stance evidence:

- `title`: the document's title (and a subtitle under it): the first line of a news item, an article's title;
- `author`: authors, affiliations and author notes in an article's front matter (`王晓明　李文华`,
  `（某某大学，北京）`, `作者简介：…`);
- `abstract`: an article's abstract (`摘要：…`, `内容提要：…`, `Abstract: …`, `Аннотация. …`);
- `keywords`: keywords and index lines (`关键词：…`, `Keywords: …`, `Ключевые слова: …`, `中图分类号：…`,
  `DOI …`, `УДК …`);
- `heading`: a section heading (`一、…`, `（一）…`, `第二章 …`, `1. …`, `2.3 …`, `I. …`, a short title-like line
  above text);
- `table`, `footnote`, `reference`: given by the cleaner (`India | 2017`; `a 王某：《…》，2006年第11期，第12-17页；`);
- `body`: the rest, running text.

The abstract is the article's own summary of its reading, so it is stance evidence like the body: the
kinds the tagger reads are `pipeline.records.TAGGED_KINDS`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pipeline.ingest.clean import NOTE_KINDS, NOTES_HEADING_RE, Paragraph

__all__ = ["STRUCTURE_KINDS", "label_structure"]

STRUCTURE_KINDS = ("title", "author", "abstract", "keywords", "heading")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ABSTRACT_RE = re.compile(
    r"[【\[［(（]?\s*(?:内容)?(?:摘\s*要|提\s*要)\s*[】\]］)）]?\s*[：:]?"
    r"|(?:Abstract|ABSTRACT|Summary|SUMMARY)\b\s*[:.：—–-]?"
    r"|(?:Аннотация|АННОТАЦИЯ|Резюме|РЕЗЮМЕ)\b\s*[:.—–-]?"
)
_KEYWORDS_RE = re.compile(
    r"[【\[［]?\s*(?:关\s*键\s*[词字]|主题词)\s*[】\]］]?\s*[：:]?"
    r"|(?:Key\s?words|KEY\s?WORDS|Keywords|Key-words)\b\s*[:.：—–-]?"
    r"|(?:Ключевые слова|КЛЮЧЕВЫЕ СЛОВА)\b\s*[:.—–-]?"
    r"|(?:中图分类号|文献标识码|文章编号|DOI|doi|JEL|УДК|ББК)\b"
)
_AUTHOR_NOTE_RE = re.compile(r"[【\[［]?\s*(?:作者简介|作者单位|通讯作者|通信作者)\s*[】\]］]?\s*[：:]")
# numbered headings: 一、 （一） 第二章 1. 1.2 I. A.
_NUMBERED_RE = re.compile(
    "(?:[一二三四五六七八九十百]{1,3}\\s*[、．.]|[（(][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十百\\d]{1,4}[章节部分编]"
    r"|\d{1,2}(?:[.．]\d{1,2}){0,3}(?:[.．、]\s*|\s+)(?=\D)|[IVX]{1,5}\.\s+|[A-H]\.\s+)"
)
_SENTENCE_END = set("。！？；.!?;…")
_CLOSERS = "\"'”’»)]）」』】》*_ "  # "*" and "_": Markdown emphasis around a line
_NOT_A_HEADING_END = set("，,、;；:：")
_NOT_A_HEADING_START = set("\"'“‘«„([（【[-–—•*/")  # quotations, references "(A/48/1)", list items, rules
_NOT_A_TITLE_START = set("([（【[-–—•*/")
_LETTERS_RE = re.compile(r"[^\W\d_]")
_WORD_RE = re.compile(r"\S+")
_NORM_RE = re.compile(r"[\W_]+")


def _ends_sentence(text: str) -> bool:
    t = text.rstrip(_CLOSERS)
    return bool(t) and t[-1] in _SENTENCE_END


def _is_zh(text: str) -> bool:
    return re.search(f"[{_HAN}]", text[:40]) is not None


def _norm(text: str) -> str:
    return _NORM_RE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _short(text: str, zh_max: int, words_max: int) -> bool:
    if _is_zh(text):
        return len(text) <= zh_max
    return len(text) <= 8 * words_max and len(_WORD_RE.findall(text)) <= words_max


def _title_like(text: str, zh_max: int = 40, words_max: int = 16) -> bool:
    """A line that could head something: short, no sentence end, no trailing comma, not starting lower case."""
    t = text.rstrip(_CLOSERS)
    return (
        bool(t)
        and not _ends_sentence(text)
        and t[-1] not in _NOT_A_HEADING_END
        and not text[0].islower()
        and _short(text, zh_max, words_max)
    )


def _is_numbered_heading(text: str) -> bool:
    m = _NUMBERED_RE.match(text)
    return m is not None and m.end() < len(text) and _title_like(text, 40, 12)


def _heading_like(text: str) -> bool:
    """An unnumbered line that could be a section heading: short, no sentence end, not a quotation, a
    reference or a list item, and (outside Chinese) no comma and at most ten words."""
    if not _title_like(text, 25, 10) or text[0] in _NOT_A_HEADING_START or text.rstrip(" *_")[-1:] in '”’"»':
        return False
    if len(_LETTERS_RE.findall(text[:4])) < 2 and len(_LETTERS_RE.findall(text)) < 2:
        return False
    return _is_zh(text) or "," not in text


def _continues(text: str) -> bool:
    """A paragraph that starts in lower case (past any opening quote) goes on with the one before."""
    return text.lstrip("\"'“‘«([ ")[:1].islower()


def label_structure(
    paragraphs: Sequence[Paragraph], title: str | None = None, doc_type: str | None = None
) -> list[Paragraph]:
    """The paragraphs with title, authors, abstract, keywords and headings named. `title` is the document's
    title if known (a manifest's), which the first paragraph may repeat; a speech's first line is taken for a
    title only when it repeats that title or heads an article's front matter. Only body paragraphs are
    renamed."""
    kinds = [p.kind for p in paragraphs]
    texts = [p.text for p in paragraphs]
    body = [i for i, k in enumerate(kinds) if k == "body"]
    if not body:
        return list(paragraphs)
    text_idx = [i for i, k in enumerate(kinds) if k in ("body", "table")]  # running text, in order
    pos = {i: n for n, i in enumerate(text_idx)}

    # abstract, keywords, author notes: by their labels
    for i in body:
        s = texts[i]
        if _KEYWORDS_RE.match(s):
            kinds[i] = "keywords"
        elif (m := _ABSTRACT_RE.match(s)) and (m.end() < len(s) or _next_body(kinds, i) is not None):
            kinds[i] = "abstract"
            if m.end() >= len(s) - 1:  # "Abstract" on a line of its own: the paragraph under it is the abstract
                nxt = _next_body(kinds, i)
                if nxt is not None and not _title_like(texts[nxt]):
                    kinds[nxt] = "abstract"
        elif _AUTHOR_NOTE_RE.match(s):
            kinds[i] = "author"
    front = [i for i in body[:12] if kinds[i] in ("abstract", "keywords")]
    # an abstract broken into paragraphs: what lies between its label and the keywords belongs to it
    for a, b in zip(front, front[1:], strict=False):
        if kinds[a] == "abstract" and kinds[b] == "keywords":
            for i in body:
                if a < i < b and kinds[i] == "body":
                    kinds[i] = "abstract"

    # title: the first paragraph, when it repeats the known title or looks like one
    first = body[0]
    if first == text_idx[0] and kinds[first] == "body":
        s = texts[first]
        same = (
            bool(title)
            and _norm(title or "") != ""
            and (_norm(s) == _norm(title or "") or (len(_norm(s)) >= 8 and _norm(title or "").startswith(_norm(s))))
        )
        looks = (
            len(text_idx) > 1
            and _title_like(s, 60, 30)
            and not _NUMBERED_RE.match(s)
            and s[0] not in _NOT_A_TITLE_START
            and not _continues(texts[text_idx[1]])
        )
        if same or (looks and (doc_type != "speech" or bool(front))):
            kinds[first] = "title"
            nxt = first + 1
            if nxt < len(texts) and kinds[nxt] == "body" and texts[nxt][:1] in "—-–" and _title_like(texts[nxt], 60):
                kinds[nxt] = "title"  # a subtitle: "——以…为例"

    # authors: in an article's front matter, the short lines between the title and the abstract/keywords
    if front:
        for i in body:
            if i >= front[0]:
                break
            if kinds[i] == "body" and _title_like(texts[i], 40, 16):
                kinds[i] = "author"

    # headings, from the end: a numbered title-like line, or a short one above text or above another heading
    for i in reversed(body):
        if kinds[i] != "body":
            continue
        s = texts[i]
        n = pos[i]
        nxt = text_idx[n + 1] if n + 1 < len(text_idx) else None
        if nxt is None:  # the last line heads nothing, unless the notes or references after the text
            if any(k in NOTE_KINDS for k in kinds[i + 1 :]) and NOTES_HEADING_RE.fullmatch(s):
                kinds[i] = "heading"
            continue
        if _continues(texts[nxt]):
            continue
        if _is_numbered_heading(s):
            kinds[i] = "heading"
            continue
        if not _heading_like(s) or (n == 0 and doc_type == "speech"):
            continue  # a speech's first line, if short, is the start of its first sentence
        prev = text_idx[n - 1] if n > 0 else None
        if prev is not None and kinds[prev] == "body" and texts[prev].rstrip(_CLOSERS)[-1:] in ":：":
            continue  # an item of a list the line before introduces
        under = kinds[nxt]
        if under in ("heading", "table") or (under in ("body", "abstract") and _under_heading(texts[nxt])):
            if under == "table" or not _in_list(texts, kinds, text_idx, n):
                kinds[i] = "heading"
    return [p if p.kind == k else Paragraph(p.text, k) for p, k in zip(paragraphs, kinds, strict=True)]


def _next_body(kinds: list[str], i: int) -> int | None:
    for j in range(i + 1, len(kinds)):
        if kinds[j] == "body":
            return j
        if kinds[j] != "table":
            return None
    return None


def _under_heading(text: str) -> bool:
    """Text that a heading could stand above: a sentence or longer."""
    return _ends_sentence(text) or not _short(text, 40, 16)


def _in_list(texts: list[str], kinds: list[str], text_idx: list[int], n: int) -> bool:
    """Line n is one of a run of at least three short non-sentence lines (names, dates, headlines): an item
    of a list, not a heading. Lines already named (headings below, tables) end the run."""
    run = 1
    for step in (-1, 1):
        m = n + step
        while 0 <= m < len(text_idx) and kinds[text_idx[m]] == "body" and _title_like(texts[text_idx[m]], 40, 16):
            run += 1
            m += step
    return run >= 3
