"""Read one document: its bytes decoded, extracted, cleaned, split into passages, tokenised, mentions found.

Pure (no store): runs in the worker processes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from pipeline.config import Settings
from pipeline.errors import RejectedInput, ScotrackError
from pipeline.ingest.discover import Item, validate_meta
from pipeline.records import Document, Passage

MAX_KEEP_BYTES = 512 * 1024 * 1024
_NON_WORD = re.compile(r"[\W_]+")
_LETTERS = re.compile(r"[^\W\d_]")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def normalised_text_hash(analysis_text: str) -> str:
    """Hash that survives a change of encoding, format, width, script or line breaking.

    `analysis_text` is the cleaned text with Chinese already in Simplified characters.
    """
    norm = _NON_WORD.sub("", unicodedata.normalize("NFKC", analysis_text).casefold())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def read_bytes(item: Item, settings: Settings) -> bytes:
    if item.path is None:
        return b""
    try:
        size = item.path.stat().st_size
        if size > MAX_KEEP_BYTES:
            with item.path.open("rb") as fh:
                return fh.read(1024 * 1024)  # enough to hash a prefix and explain; the rest is not kept
        return item.path.read_bytes()
    except OSError as exc:
        raise ScotrackError(f"cannot read {item.path}: {exc.strerror}") from None


def process(item: Item, raw: bytes, settings: Settings) -> Document:
    """Turn one item's bytes into a Document; bad input gives status 'rejected' with a reason, never raises."""
    doc = Document(meta=item.meta, raw=raw, sha256=sha256(raw),
                   fmt=(item.path.suffix.lower().lstrip(".") if item.path else "") or "txt")
    try:
        if item.problem:
            raise RejectedInput(item.problem)
        validate_meta(item.meta)
        size = item.path.stat().st_size if item.path else len(raw)
        if size > settings.max_file_bytes:
            raise RejectedInput(f"too large ({size / 1e6:.1f} MB > limit {settings.max_file_bytes / 1e6:.0f} MB)")
        _analyse(doc, settings)
    except RejectedInput as exc:
        doc.status, doc.reason = "rejected", str(exc)
        doc.passages = []
    except Exception as exc:  # noqa: BLE001 — a reader's failure costs this document, never the batch
        message = str(exc).splitlines()[0][:200] if str(exc) else ""
        doc.status, doc.reason = "rejected", f"could not be read ({type(exc).__name__}: {message})"
        doc.passages = []
    return doc


def _analyse(doc: Document, settings: Settings) -> None:
    from pipeline.codebook import LANGS
    from pipeline.ingest import tokenise
    from pipeline.ingest.clean import clean_text, to_simplified
    from pipeline.ingest.dates import resolve as resolve_date
    from pipeline.ingest.decode import sniff_format
    from pipeline.ingest.extract import extract_text
    from pipeline.ingest.langid import detect_lang, detect_script_lang
    from pipeline.ingest.mentions import find_mentions
    from pipeline.ingest.relevance import mentions_sco
    from pipeline.ingest.segment import segment_paragraph
    from pipeline.ingest.structure import label_structure

    tokenise.configure(settings.cache_dir)
    meta = doc.meta
    suffix = Path(meta.source).suffix.lower()
    doc.fmt = sniff_format(doc.raw, suffix)
    extracted = extract_text(doc.raw, doc.fmt)
    text, title, doc.encoding = extracted.text, extracted.title, extracted.encoding
    if not text.strip():
        raise RejectedInput("no text (only whitespace)")
    if title and not meta.title:
        meta.title = title
    cleaned = clean_text(text, meta.lang)
    doc.text = cleaned.text
    doc.cleaning = dict(cleaned.removed)
    if len(_LETTERS.findall(doc.text, 0, 200)) < 2 and len(_LETTERS.findall(doc.text)) < 2:
        raise RejectedInput("no text left after removing extraction garbage")
    detected = detect_lang(_sample(doc.text))
    if meta.lang:
        doc.lang = meta.lang
    elif detected in LANGS:
        doc.lang = detected
    else:
        raise RejectedInput(f"unsupported language ({detected}); scotrack reads zh, en and ru "
                            f"(set --lang to override)")
    # before the passages: finding mentions reads the year
    meta.date, meta.date_source = resolve_date(meta.date, meta.date_source, extracted.published, text,
                                               Path(meta.source).name, extracted.created)
    passages: list[Passage] = []
    analysed: list[str] = []
    offset = 0
    # title, authors, abstract, keywords and headings named (the kinds the tagger reads: records.TAGGED_KINDS)
    for para in label_structure(cleaned.paragraphs, meta.title, meta.doc_type):
        plang = detect_script_lang(para.text)
        if plang not in LANGS:
            plang = doc.lang
        analysis = to_simplified(para.text) if plang == "zh" else para.text
        analysed.append(analysis)
        limit = settings.max_passage_chars_zh if plang == "zh" else settings.max_passage_chars
        for w in segment_paragraph(analysis, plang, limit):
            ptext = analysis[w.start:w.end]
            passages.append(Passage(
                position=len(passages), start=offset + w.start, end=offset + w.end, text=ptext, lang=plang,
                kind=para.kind, tokens=w.tokens,
                mentions=find_mentions(ptext, plang, speaker_state=meta.speaker_state, doc_type=meta.doc_type,
                                       year=meta.year)))
        offset += len(para.text) + 2  # paragraphs are joined by a blank line
    if not passages:
        raise RejectedInput("no passages after cleaning")
    doc.text_sha256 = normalised_text_hash("\n".join(analysed))
    flags = [mentions_sco(p.text, p.lang) for p in passages]
    title_sco = bool(meta.title) and mentions_sco(to_simplified(meta.title), detect_script_lang(meta.title))
    n_sco = sum(flags)
    doc.relevant = title_sco or n_sco >= 3 or n_sco >= 0.2 * len(passages)
    for p, flag in zip(passages, flags, strict=True):
        p.relevant = doc.relevant or flag
    doc.passages = passages


def _sample(text: str, n: int = 3000) -> str:
    if len(text) <= n:
        return text
    third = n // 3
    mid = len(text) // 2
    return text[:third] + "\n" + text[mid:mid + third] + "\n" + text[-third:]


