"""Ingest a batch: triage by the store's bookkeeping, read the new documents (in worker processes), store them."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline.config import Settings
from pipeline.ingest.discover import Item, discover
from pipeline.ingest.read import MAX_KEEP_BYTES, process, read_bytes, sha256
from pipeline.records import Document, SourceMeta
from pipeline.store import Store

# Bump when cleaning, segmentation or mention rules change what a document turns into.
# Bumped when processing changes what is stored (cleaning, passages, mentions): documents stored by an
# older version are processed again on the next ingest even though their bytes are unchanged.
# ingest-2: more Chinese officials in the gazetteer. ingest-3: hard-wrapped and double-spaced extractions
# re-flowed, notes and references apart, article structure (titles, headings, abstracts …), dates from
# metadata, datelines and file names.
PIPELINE_VERSION = "ingest-3"



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
