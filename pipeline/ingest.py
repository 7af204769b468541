"""Ingest: find the documents in the given paths, read and process each, write it to the store."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date as _date
from functools import lru_cache
from pathlib import Path

from .config import Settings
from .errors import RejectedInput, ScotrackError
from .records import DOC_TYPES, LANGS, Document, Passage, SourceMeta
from .store import Store

# Bump when cleaning, segmentation or mention rules change what a document turns into.
# Bumped when processing changes what is stored (cleaning, passages, mentions): documents stored by an
# older version are processed again on the next ingest even though their bytes are unchanged.
# ingest-2: more Chinese officials in the gazetteer.
PIPELINE_VERSION = "ingest-2"

SUFFIXES = {".txt", ".md", ".text", ".html", ".htm", ".xhtml", ".pdf", ".docx"}
SKIP_NAMES = re.compile(r"^(MANIFEST\.csv|README(\..*)?|LICEN[CS]E(\..*)?|NOTICE(\..*)?|\..*)$", re.I)
MAX_KEEP_BYTES = 512 * 1024 * 1024
_NON_WORD = re.compile(r"[\W_]+")
_LETTERS = re.compile(r"[^\W\d_]")
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class Item:
    """One document to ingest: where its bytes are, what is known about it, and any problem found early."""

    path: Path | None
    meta: SourceMeta
    problem: str | None = None


@dataclass
class IngestReport:
    ingested: int = 0
    duplicates: int = 0
    rejected: int = 0
    unchanged: int = 0
    rejected_items: list[tuple[str, str]] = field(default_factory=list)
    duplicate_items: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        return f"ingested {self.ingested}, duplicates {self.duplicates}, rejected {self.rejected}"

    def merge(self, other: IngestReport) -> None:
        self.ingested += other.ingested
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.unchanged += other.unchanged
        self.rejected_items += other.rejected_items
        self.duplicate_items += other.duplicate_items


# -- validation --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _iso3() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "iso3166_alpha3.txt"
    return frozenset(line.strip() for line in path.read_text().splitlines() if line and not line.startswith("#"))


def check_date(value: str | None) -> str | None:
    """Return the date as given (YYYY, YYYY-MM or YYYY-MM-DD) or raise RejectedInput."""
    if not value:
        return None
    value = value.strip()
    if not DATE_RE.match(value):
        raise RejectedInput(f"invalid date {value[:40]!r} (use YYYY, YYYY-MM or YYYY-MM-DD)")
    parts = [int(x) for x in value.split("-")]
    try:
        _date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        raise RejectedInput(f"invalid date {value!r} (no such day)") from None
    return value


def check_state(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().upper()
    if code not in _iso3():
        raise RejectedInput(f"invalid speaker state {value[:40]!r} (use an ISO 3166-1 alpha-3 code, e.g. CHN)")
    return code


def check_doc_type(value: str | None) -> str | None:
    if not value:
        return None
    if value not in DOC_TYPES:
        raise RejectedInput(f"invalid document type {value[:40]!r} (one of {', '.join(DOC_TYPES)})")
    return value


def check_lang(value: str | None) -> str | None:
    if not value:
        return None
    if value not in LANGS:
        raise RejectedInput(f"unsupported language {value[:20]!r} (one of zh, en, ru)")
    return value


def validate_meta(meta: SourceMeta) -> None:
    """Raise RejectedInput for the first invalid field of `meta`."""
    check_date(meta.date)
    check_state(meta.speaker_state)
    check_doc_type(meta.doc_type)
    check_lang(meta.lang)


# -- discovery ---------------------------------------------------------------------------------

def discover(paths: Iterable[str | Path], defaults: SourceMeta | None = None) -> Iterator[Item]:
    """Items for the given files and folders; folders are walked, MANIFEST.csv rows supply metadata."""
    defaults = defaults or SourceMeta(source="")
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _walk(path, defaults)
        elif path.exists():
            yield Item(path, _with_source(defaults, path))
        else:
            yield Item(None, _with_source(defaults, path), f"no such file or folder: {path}")


def _with_source(defaults: SourceMeta, path: Path) -> SourceMeta:
    return SourceMeta(**{**defaults.__dict__, "source": str(path)})


def _walk(folder: Path, defaults: SourceMeta) -> Iterator[Item]:
    listed: set[Path] = set()
    manifest = folder / "MANIFEST.csv"
    if manifest.is_file():
        for item in _manifest_items(manifest, defaults):
            if item.path is not None:
                listed.add(item.path.resolve())
            yield item
    for child in sorted(folder.iterdir()):
        if SKIP_NAMES.match(child.name):
            continue
        if child.is_dir():
            yield from _walk(child, defaults)
        elif child.suffix.lower() in SUFFIXES and child.resolve() not in listed:
            yield Item(child, _with_source(defaults, child))


def _manifest_items(manifest: Path, defaults: SourceMeta) -> Iterator[Item]:
    folder = manifest.parent
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        yield Item(manifest, _with_source(defaults, manifest), f"unreadable manifest: {exc}")
        return
    files_by_stem: dict[str, Path] = {}
    for child in folder.iterdir():
        if child.is_file() and child.suffix.lower() in SUFFIXES:
            files_by_stem.setdefault(child.stem, child)
    for n, row in enumerate(rows, start=2):
        doc_id = (row.get("doc_id") or "").strip()
        path = files_by_stem.get(doc_id) if doc_id else None
        prov = None
        if row.get("source_repo") or row.get("source_path"):
            prov = f"{row.get('source_repo', '')}:{row.get('source_path', '')}"
            if row.get("source_commit"):
                prov += f"@{row['source_commit']}"
        meta = SourceMeta(
            source=str(path) if path else f"{manifest}:{n}",
            doc_id=doc_id or None,
            title=(row.get("title") or "").strip() or None,
            date=(row.get("date") or "").strip()[:40] or None,
            doc_type=(row.get("doc_type") or "").strip() or defaults.doc_type,
            lang=(row.get("language") or row.get("lang") or "").strip() or defaults.lang,
            speaker_state=(row.get("speaker_state") or "").strip() or None,
            licence=(row.get("license") or row.get("licence") or "").strip() or defaults.licence,
            provenance=prov,
        )
        problem = None
        if not doc_id:
            problem = f"manifest row {n} has no doc_id"
        elif path is None:
            problem = f"manifest row {n} points at no file ({doc_id}.* in {folder})"
        yield Item(path, meta, problem)


# -- processing (pure: runs in worker processes) -----------------------------------------------

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
    return doc


def _analyse(doc: Document, settings: Settings) -> None:
    from .clean import clean_text, to_simplified
    from .decode import sniff_format
    from .extract import extract_text
    from .langid import SUPPORTED, detect_lang, detect_script_lang
    from .mentions import find_mentions
    from .segment import mentions_sco, segment_paragraph

    meta = doc.meta
    suffix = Path(meta.source).suffix.lower()
    doc.fmt = sniff_format(doc.raw, suffix)
    text, title, doc.encoding = extract_text(doc.raw, doc.fmt)
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
    elif detected in SUPPORTED:
        doc.lang = detected
    else:
        raise RejectedInput(f"unsupported language ({detected}); scotrack reads zh, en and ru "
                            f"(set --lang to override)")
    passages: list[Passage] = []
    analysed: list[str] = []
    offset = 0
    for para in cleaned.paragraphs:
        plang = detect_script_lang(para.text)
        if plang not in SUPPORTED:
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


# -- the batch ----------------------------------------------------------------------------------

def _slug(name: str) -> str:
    s = re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-.")
    return s[:150] or "doc"


def assign_doc_id(store: Store, doc: Document) -> str:
    """The manifest's doc_id, else the file name; disambiguated when another source already holds it."""
    base = doc.meta.doc_id or _slug(Path(doc.meta.source).stem)
    holder = store.doc_source(base)
    if holder is None or holder == doc.meta.source:
        return base
    alt = f"{base}-{doc.sha256[:8]}"
    holder = store.doc_source(alt)
    if holder is None or holder == doc.meta.source:
        return alt
    return f"{base}-{doc.sha256[:16]}"


def _process_packed(args: tuple[Item, bytes, Settings]) -> Document:
    return process(*args)


_POOL: ProcessPoolExecutor | None = None
_POOL_WORKERS = 0
# Below this many documents, starting worker processes costs more than it saves.
MIN_PARALLEL_BATCH = 8


def _pool(workers: int) -> ProcessPoolExecutor:
    """A process pool kept for the life of the process (spawned: safe beside Prefect's threads)."""
    global _POOL, _POOL_WORKERS
    if _POOL is None or _POOL_WORKERS != workers:
        if _POOL is not None:
            _POOL.shutdown()
        import multiprocessing as mp

        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))
        _POOL_WORKERS = workers
    return _POOL


# Constructed text (not corpus): one paragraph per language, to load every model a worker uses.
_WARM_UP_TEXT = ("上海合作组织成员国外长会议在北京举行。\n\nThe SCO member states met in Astana.\n\n"
                 "Государства — члены ШОС встретились в Москве.\n")


def _warm_up(settings: Settings) -> None:
    process(Item(None, SourceMeta(source="warm-up.txt", doc_id="warm-up")), _WARM_UP_TEXT.encode(), settings)


def warm_pool(settings: Settings) -> None:
    """Start the worker processes and have each load its tokenisers and language models now (not waited
    for: the first batch queues behind it)."""
    pool = _pool(settings.workers)
    for _ in range(settings.workers):
        pool.submit(_warm_up, settings)


def input_key(item: Item, digest: str, settings: Settings) -> str:
    """What a rejection depends on: the bytes, the metadata, a problem found early, the size limit."""
    payload = {"sha256": digest, "meta": asdict(item.meta), "problem": item.problem,
               "path": str(item.path) if item.path else None, "max_file_bytes": settings.max_file_bytes}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class Triage:
    """Which items need processing, decided from the store's bookkeeping before any processing."""

    todo: list[tuple[Item, bytes, str]] = field(default_factory=list)  # item, bytes, input key
    unchanged: int = 0  # bytes already stored by this pipeline version
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (source, reason): same input rejected before


def triage(items: Iterable[Item], store: Store, settings: Settings,
           progress: Callable[[int], None] | None = None) -> Triage:
    """Sort `items` into new or changed (to process), unchanged, and rejected before with the same input.
    Each item is read and hashed; the store is asked twice in all."""
    done, rejected = store.known_inputs(PIPELINE_VERSION)
    out = Triage()
    for item in items:
        raw = read_bytes(item, settings)
        digest = sha256(raw)
        key = input_key(item, digest, settings)
        if item.path is not None and raw and digest in done:
            out.unchanged += 1
        elif key in rejected:
            out.rejected.append((item.meta.source, rejected[key]))
        else:
            out.todo.append((item, raw, key))
            continue
        if progress:
            progress(1)
    return out


def ingest_items(items: Iterable[Item], store: Store, settings: Settings,
                 progress: Callable[[int], None] | None = None) -> IngestReport:
    """Process and store `items`; unchanged content, and unchanged input rejected before, is skipped before
    any processing (see `triage`)."""
    report = IngestReport()
    sorted_out = triage(items, store, settings, progress)
    report.unchanged = sorted_out.unchanged
    report.rejected += len(sorted_out.rejected)
    report.rejected_items.extend(sorted_out.rejected)
    todo = [(item, raw, settings) for item, raw, _ in sorted_out.todo]
    if settings.workers > 1 and len(todo) >= MIN_PARALLEL_BATCH:
        results: Iterable[Document] = _pool(settings.workers).map(_process_packed, todo, chunksize=4)
    else:
        results = (process(*t) for t in todo)
    for (_, _, key), doc in zip(sorted_out.todo, results, strict=True):
        doc_id = _store_one(store, doc, report)
        if doc.status == "rejected":
            store.write_rejection(key, doc_id, doc.reason or "", PIPELINE_VERSION)
        if progress:
            progress(1)
    return report


def _store_one(store: Store, doc: Document, report: IngestReport) -> str:
    doc_id = assign_doc_id(store, doc)
    if doc.status == "ingested":
        dup = store.doc_by_text_sha(doc.text_sha256) if doc.text_sha256 else None
        if dup and dup != doc_id:
            doc.status, doc.duplicate_of, doc.passages = "duplicate", dup, []
            doc.reason = f"same text as {dup}"
    store.write_document(doc, doc_id, PIPELINE_VERSION, keep_bytes=len(doc.raw) < MAX_KEEP_BYTES)
    if doc.status == "ingested":
        report.ingested += 1
    elif doc.status == "duplicate":
        report.duplicates += 1
        report.duplicate_items.append((doc.meta.source, doc.duplicate_of or ""))
    else:
        report.rejected += 1
        report.rejected_items.append((doc.meta.source, doc.reason or ""))
    return doc_id


def ingest(paths: Iterable[str | Path], store: Store, settings: Settings, defaults: SourceMeta | None = None,
           progress: Callable[[int], None] | None = None) -> IngestReport:
    return ingest_items(list(discover(paths, defaults)), store, settings, progress)
