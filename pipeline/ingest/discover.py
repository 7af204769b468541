"""Find the documents to ingest: files and folders walked, MANIFEST.csv rows as metadata, values checked."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date as _date
from functools import lru_cache
from pathlib import Path

from pipeline.codebook import DOC_TYPES, LANGS
from pipeline.errors import RejectedInput
from pipeline.ingest.dates import DATE_SOURCES
from pipeline.records import SourceMeta

SUFFIXES = {".txt", ".md", ".text", ".html", ".htm", ".xhtml", ".pdf", ".docx"}
SKIP_NAMES = re.compile(r"^(MANIFEST\.csv|README(\..*)?|LICEN[CS]E(\..*)?|NOTICE(\..*)?|\..*)$", re.I)
DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass
class Item:
    """One document to ingest: where its bytes are, what is known about it, and any problem found early."""

    path: Path | None
    meta: SourceMeta
    problem: str | None = None


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
    if meta.date_source not in (None, *DATE_SOURCES):
        raise RejectedInput(f"invalid date source {meta.date_source[:20]!r} (one of {', '.join(DATE_SOURCES)})")
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


def display_name(path: Path | str) -> str:
    """A path as text: a file name that is not valid UTF-8 (kept as bytes by the OS) is shown with
    replacement characters (U+FFFD); the file itself is still read by its real name."""
    return os.fsencode(path).decode("utf-8", "replace")


def _with_source(defaults: SourceMeta, path: Path) -> SourceMeta:
    """The flags' metadata for one file: a date given as a flag is the `cli`'s."""
    return SourceMeta(**{**defaults.__dict__, "source": display_name(path),
                         "date_source": defaults.date_source or ("cli" if defaults.date else None)})


def _walk(folder: Path, defaults: SourceMeta, root: Path | None = None, seen: set[Path] | None = None
          ) -> Iterator[Item]:
    """Items of a folder and its subfolders. Symbolic links are followed only while they stay inside the
    folder given (`root`), each folder is walked once (no loops), and a folder that cannot be listed is one
    rejected item with the reason."""
    real = folder.resolve()
    root = root or real
    seen = seen if seen is not None else set()
    if real in seen:
        return
    seen.add(real)
    listed: set[Path] = set()
    try:
        children = sorted(folder.iterdir())
    except OSError as exc:
        yield Item(None, _with_source(defaults, folder), f"cannot list folder: {exc.strerror or exc}")
        return
    manifest = folder / "MANIFEST.csv"
    if manifest.is_file():
        for item in _manifest_items(manifest, defaults):
            if item.path is not None:
                listed.add(item.path.resolve())
            yield item
    for child in children:
        if SKIP_NAMES.match(child.name):
            continue
        try:
            target = child.resolve()
            inside = target == root or root in target.parents
            is_dir = child.is_dir()
        except (OSError, RuntimeError) as exc:  # a broken or looping link, a vanished file
            yield Item(None, _with_source(defaults, child), f"cannot read: {exc}")
            continue
        if child.is_symlink() and not inside:
            if is_dir or child.suffix.lower() in SUFFIXES:
                yield Item(None, _with_source(defaults, child),
                           f"symbolic link to {target}, outside the folder given: not followed")
            continue
        if is_dir:
            yield from _walk(child, defaults, root, seen)
        elif child.suffix.lower() in SUFFIXES and target not in listed:
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
        date = (row.get("date") or "").strip()[:40] or None
        meta = SourceMeta(
            source=display_name(path) if path else f"{display_name(manifest)}:{n}",
            doc_id=doc_id or None,
            title=(row.get("title") or "").strip() or None,
            date=date,
            date_source="manifest" if date else None,
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


