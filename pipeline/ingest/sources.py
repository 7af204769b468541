"""New documents from the web: URL lists and RSS/Atom feeds, fetched politely and ingested like files.

Each fetched body is written under `<home>/fetched/` (named by its SHA-256) and ingested with its URL as the
source and "URL fetched at TIME" as provenance, so the store keeps the bytes, where they came from and when.
The store's `fetches` table keeps each URL's validators: the next run sends If-None-Match /
If-Modified-Since, and an unchanged page costs a 304 and no processing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Settings
from pipeline.ingest.batch import IngestReport, ingest_items
from pipeline.ingest.discover import Item
from pipeline.ingest.fetch import FEED_TYPES, FetchPolicy, fetch, parse_feed
from pipeline.records import SourceMeta
from pipeline.store import Store


@dataclass
class FetchReport:
    fetched: int = 0
    not_modified: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    feeds: int = 0
    ingest: IngestReport = field(default_factory=IngestReport)

    def line(self) -> str:
        return (f"fetched {self.fetched}, not modified {self.not_modified}, failed {len(self.failed)} "
                f"(feeds read: {self.feeds}); " + self.ingest.line())


def read_url_list(path: Path) -> list[str]:
    """One URL per line; blank lines and # comments ignored."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def fetch_sources(urls: Iterable[str], feeds: Iterable[str], store: Store, settings: Settings,
                  policy: FetchPolicy | None = None, defaults: SourceMeta | None = None) -> FetchReport:
    """Fetch the feeds' entries and the URLs (conditionally), then ingest what is new."""
    policy = policy or FetchPolicy()
    report = FetchReport()
    todo: dict[str, SourceMeta] = {}
    base = defaults or SourceMeta(source="")
    for feed in feeds:
        got = _fetch(feed, "feed", store, policy, FEED_TYPES)
        if got.status == "failed":
            report.failed.append((feed, got.reason))
            continue
        report.feeds += 1
        if got.status == "not-modified":
            continue
        try:
            entries = parse_feed(got.body or b"", feed)
        except ValueError as exc:
            report.failed.append((feed, str(exc)))
            continue
        for e in entries:
            # a feed entry's own date is the page's metadata; else the --date given, if any
            todo.setdefault(e.link, SourceMeta(source=e.link, title=e.title or base.title, date=e.date or base.date,
                                               date_source="metadata" if e.date else ("cli" if base.date else None),
                                               doc_type=base.doc_type, lang=base.lang,
                                               speaker_state=base.speaker_state, licence=base.licence))
    for url in urls:
        todo.setdefault(url, SourceMeta(source=url, title=base.title, date=base.date,
                                        date_source="cli" if base.date else None, doc_type=base.doc_type,
                                        lang=base.lang, speaker_state=base.speaker_state, licence=base.licence))
    folder = settings.home / "fetched"
    items = []
    for url, meta in todo.items():
        got = _fetch(url, "document", store, policy)
        if got.status == "failed":
            report.failed.append((url, got.reason))
        elif got.status == "not-modified":
            report.not_modified += 1
        else:
            report.fetched += 1
            digest = hashlib.sha256(got.body or b"").hexdigest()
            path = folder / digest[:2] / f"{digest}{got.extension}"
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                path.write_bytes(got.body or b"")
            meta.provenance = f"{url} fetched {got.fetched_at}"
            items.append(Item(path=path, meta=meta))
    report.ingest = ingest_items(items, store, settings)
    return report


def _fetch(url: str, kind: str, store: Store, policy: FetchPolicy, accept=None):
    state = store.fetch_state(url) or {}
    kw = {"accept": accept} if accept else {}
    got = fetch(url, policy, etag=state.get("etag"), last_modified=state.get("last_modified"), **kw)
    digest = hashlib.sha256(got.body).hexdigest() if got.body is not None else None
    store.record_fetch(url, kind, got.status, got.reason, got.fetched_at, got.etag, got.last_modified, digest,
                       got.content_type or None)
    return got
