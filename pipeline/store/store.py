"""The store: documents, their original bytes, passages and mentions, through SQLAlchemy Core.

SQLite by default (a file under $SCOTRACK_HOME); any SQLAlchemy URL, PostgreSQL included, works.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from pipeline.errors import ScotrackError, StoreVersionError
from pipeline.records import Document

SCHEMA_VERSION = 5  # 2: tags and taggings; 3: fetches; 4: rejections; 5: reviews

metadata = MetaData()

meta_table = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=True),  # NULL only when the input exceeded the keep limit
)

documents = Table(
    "documents", metadata,
    Column("doc_id", String(200), primary_key=True),
    Column("source", Text, nullable=False),
    Column("provenance", Text),
    Column("title", Text),
    Column("date", String(40)),
    Column("year", Integer),
    Column("doc_type", String(20)),
    Column("lang", String(8)),
    Column("declared_lang", String(8)),
    Column("speaker_state", String(3)),
    Column("licence", Text),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
    Column("text_sha256", String(64)),
    Column("fmt", String(8)),
    Column("encoding", String(32)),
    Column("text", Text),
    Column("relevant", Boolean, nullable=False, default=False),
    Column("status", String(12), nullable=False),
    Column("reason", Text),
    Column("duplicate_of", String(200)),
    Column("n_passages", Integer, nullable=False, default=0),
    Column("cleaning", Text),
    Column("ingested_at", String(32), nullable=False),
    Column("pipeline_version", String(32), nullable=False),
)
Index("ix_documents_sha256", documents.c.sha256)
Index("ix_documents_text_sha256", documents.c.text_sha256)

passages = Table(
    "passages", metadata,
    Column("passage_id", String(220), primary_key=True),
    Column("doc_id", String(200), ForeignKey("documents.doc_id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", String(8), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("relevant", Boolean, nullable=False),
    Column("tokens", Text, nullable=False),
)
Index("ix_passages_doc", passages.c.doc_id, passages.c.position)

mentions = Table(
    "mentions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("passage_id", String(220), ForeignKey("passages.passage_id"), nullable=False),
    Column("state", String(3), nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("surface", Text, nullable=False),
    Column("how", String(12), nullable=False),
)
Index("ix_mentions_passage", mentions.c.passage_id)
Index("ix_mentions_state", mentions.c.state)

tags = Table(
    "tags", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("passage_id", String(220), ForeignKey("passages.passage_id"), nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("state", String(3), nullable=False),
    Column("dimension", String(10), nullable=False),
    Column("area", String(16), nullable=False),
    Column("stance", String(10), nullable=False),
    Column("score", Integer),
    Column("confidence", Float, nullable=False),
    Column("uncertain", Boolean, nullable=False),
)
Index("ix_tags_passage", tags.c.passage_id)
Index("ix_tags_state_dim", tags.c.state, tags.c.dimension)

# Which model last tagged each passage (also when it found nothing to tag).
taggings = Table(
    "taggings", metadata,
    Column("passage_id", String(220), ForeignKey("passages.passage_id"), primary_key=True),
    Column("model_version", String(64), nullable=False),
    Column("tagged_at", String(32), nullable=False),
)

# The last fetch of each URL (documents and feeds): its validators for conditional requests and what happened.
fetches = Table(
    "fetches", metadata,
    Column("url", String(2000), primary_key=True),
    Column("kind", String(8), nullable=False),  # "document" or "feed"
    Column("status", String(16), nullable=False),  # fetched, not-modified, failed
    Column("reason", Text, nullable=False),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("sha256", String(64)),
    Column("content_type", String(120)),
    Column("fetched_at", String(32), nullable=False),
)


# The input a rejection was for (bytes, metadata, early problem, size limit; see `ingest.input_key`): an
# input rejected by the current pipeline version is not processed again while it stays the same, but a
# corrected manifest row or a new file is.
rejections = Table(
    "rejections", metadata,
    Column("input_key", String(64), primary_key=True),
    Column("doc_id", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("pipeline_version", String(32), nullable=False),
    Column("rejected_at", String(32), nullable=False),
)


# Reviews (pipeline/review.py): append-only; a change is a new row, an undo a row that names the one it
# cancels. (passage_id, thread, revision) is unique: two saves from the same revision cannot both land.
# No foreign key to passages: a review outlives its passage being processed again (`text_sha` tells whether
# it still applies).
reviews = Table(
    "reviews", metadata,
    Column("review_id", Integer, primary_key=True, autoincrement=True),
    Column("passage_id", String(220), nullable=False),
    Column("thread", String(120), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("reviewer", String(120), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("irrelevant", Boolean, nullable=False),
    Column("answer", Text, nullable=False),  # JSON list of {state, dimension, area, stance}
    Column("prediction", Text, nullable=False),  # JSON: the model's tags when the passage was shown
    Column("model_version", String(64)),
    Column("text_sha", String(40), nullable=False),
    Column("undoes", Integer),
    Column("source", String(40), nullable=False),  # web, import:jsonl, import:label-studio
    UniqueConstraint("passage_id", "thread", "revision", name="uq_reviews_revision"),
)
Index("ix_reviews_passage", reviews.c.passage_id)
Index("ix_reviews_reviewer", reviews.c.reviewer)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _now_precise() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def passage_id(doc_id: str, position: int) -> str:
    return f"{doc_id}#{position:04d}"


class Store:
    """All reads and writes of scotrack's data; one transaction per document written."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///"):
            try:
                Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ScotrackError(f"cannot create the store's folder for {url}: {exc.strerror}") from None
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError) as exc:
            raise ScotrackError(f"cannot open the store at {url}: {exc}") from None
        # what we show the user: never a password
        self.url = self.engine.url.render_as_string(hide_password=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._migrate()

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        # Two processes opening a new store at once can race on CREATE TABLE; the loser retries.
        for attempt in range(5):
            try:
                return self._migrate_once()
            except (OperationalError, IntegrityError) as exc:
                racing = isinstance(exc, IntegrityError) or any(
                    word in str(exc.orig) for word in ("already exists", "locked", "duplicate"))
                if not racing or attempt == 4:
                    raise ScotrackError(f"cannot use the store at {self.url}: {exc.orig}") from None
                time.sleep(0.2 * (attempt + 1))

    def _migrate_once(self) -> None:
        with self.engine.begin() as conn:
            metadata.create_all(conn)
            row = conn.execute(select(meta_table.c.value).where(meta_table.c.key == "schema_version")).first()
            if row is None:
                conn.execute(insert(meta_table).values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(row.value) < SCHEMA_VERSION:  # older stores only lack tables, which create_all added
                conn.execute(update(meta_table).where(meta_table.c.key == "schema_version")
                             .values(value=str(SCHEMA_VERSION)))
            elif int(row.value) > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"the store at {self.url} has schema version {row.value}, newer than this scotrack "
                    f"understands ({SCHEMA_VERSION}); upgrade scotrack or point SCOTRACK_HOME elsewhere")

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(meta_table.c.value).where(meta_table.c.key == "schema_version")).scalar())

    # -- writes ---------------------------------------------------------------------------
    def write_document(self, doc: Document, doc_id: str, pipeline_version: str, keep_bytes: bool = True) -> None:
        """Insert or replace one document with its bytes, passages and mentions, atomically."""
        m = doc.meta
        row = dict(
            doc_id=doc_id, source=m.source, provenance=m.provenance, title=m.title, date=m.date,
            year=m.year,
            doc_type=m.doc_type, lang=doc.lang, declared_lang=m.lang, speaker_state=m.speaker_state,
            licence=m.licence, sha256=doc.sha256, text_sha256=doc.text_sha256, fmt=doc.fmt, encoding=doc.encoding,
            text=doc.text or None, relevant=doc.relevant, status=doc.status, reason=doc.reason,
            duplicate_of=doc.duplicate_of, n_passages=len(doc.passages), cleaning=json.dumps(doc.cleaning),
            ingested_at=_now(), pipeline_version=pipeline_version,
        )
        with self.engine.begin() as conn:
            if conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == doc.sha256)).first() is None:
                conn.execute(insert(blobs).values(sha256=doc.sha256, size=len(doc.raw),
                                                  data=doc.raw if keep_bytes else None))
            old = conn.execute(select(passages.c.passage_id).where(passages.c.doc_id == doc_id)).scalars().all()
            if old:
                conn.execute(delete(tags).where(tags.c.passage_id.in_(old)))
                conn.execute(delete(taggings).where(taggings.c.passage_id.in_(old)))
                conn.execute(delete(mentions).where(mentions.c.passage_id.in_(old)))
                conn.execute(delete(passages).where(passages.c.doc_id == doc_id))
            if conn.execute(select(documents.c.doc_id).where(documents.c.doc_id == doc_id)).first():
                conn.execute(update(documents).where(documents.c.doc_id == doc_id).values(**row))
            else:
                conn.execute(insert(documents).values(**row))
            p_rows, m_rows = [], []
            for p in doc.passages:
                pid = passage_id(doc_id, p.position)
                p_rows.append(dict(passage_id=pid, doc_id=doc_id, position=p.position, start=p.start, end=p.end,
                                   text=p.text, lang=p.lang, kind=p.kind, relevant=p.relevant,
                                   tokens=json.dumps(p.tokens, ensure_ascii=False)))
                m_rows.extend(dict(passage_id=pid, state=x.state, start=x.start, end=x.end, surface=x.surface,
                                   how=x.how) for x in p.mentions)
            if p_rows:
                conn.execute(insert(passages), p_rows)
            if m_rows:
                conn.execute(insert(mentions), m_rows)

    def write_rejection(self, input_key: str, doc_id: str, reason: str, pipeline_version: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(rejections).where(rejections.c.input_key == input_key))
            conn.execute(insert(rejections).values(input_key=input_key, doc_id=doc_id, reason=reason,
                                                   pipeline_version=pipeline_version, rejected_at=_now()))

    def add_review(self, row: dict) -> int | None:
        """Insert one review record; None when its (passage, thread, revision) is taken (a conflict)."""
        row = {**row, "answer": json.dumps(row["answer"], ensure_ascii=False),
               "prediction": json.dumps(row["prediction"], ensure_ascii=False),
               "created_at": row.get("created_at") or _now_precise()}
        try:
            with self.engine.begin() as conn:
                return int(conn.execute(insert(reviews).values(**row)).inserted_primary_key[0])
        except IntegrityError:
            return None

    @staticmethod
    def _review(r) -> dict:
        d = r._asdict()
        d["answer"], d["prediction"] = json.loads(d["answer"]), json.loads(d["prediction"])
        d["irrelevant"] = bool(d["irrelevant"])
        return d

    def reviews_of(self, passage_id: str) -> list[dict]:
        with self.engine.connect() as conn:
            return [self._review(r) for r in conn.execute(
                select(reviews).where(reviews.c.passage_id == passage_id).order_by(reviews.c.review_id))]

    def iter_reviews(self, batch: int = 2000) -> Iterator[dict]:
        """Every review record, oldest first, read in batches (for streaming exports)."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = [self._review(r) for r in conn.execute(
                    select(reviews).where(reviews.c.review_id > last).order_by(reviews.c.review_id).limit(batch))]
            if not rows:
                return
            yield from rows
            last = rows[-1]["review_id"]

    def review_index(self) -> list[dict]:
        """Every review record without its answer and prediction (who, which passage, thread, revision,
        what it undoes): enough to tell which passages are done, cheaply."""
        with self.engine.connect() as conn:
            return [r._asdict() for r in conn.execute(
                select(reviews.c.review_id, reviews.c.passage_id, reviews.c.thread, reviews.c.revision,
                       reviews.c.reviewer, reviews.c.undoes, reviews.c.text_sha).order_by(reviews.c.review_id))]

    def undone_review_ids(self) -> set[int]:
        with self.engine.connect() as conn:
            return set(conn.execute(select(reviews.c.undoes).where(reviews.c.undoes.is_not(None))).scalars())

    def last_review_by(self, reviewer: str) -> dict | None:
        """The reviewer's latest record that is an answer and is not undone."""
        with self.engine.connect() as conn:
            undone = select(reviews.c.undoes).where(reviews.c.undoes.is_not(None)).scalar_subquery()
            r = conn.execute(select(reviews).where(reviews.c.reviewer == reviewer, reviews.c.undoes.is_(None),
                                                   reviews.c.review_id.not_in(undone))
                             .order_by(reviews.c.review_id.desc()).limit(1)).first()
        return self._review(r) if r else None

    # -- reads ----------------------------------------------------------------------------
    def known_inputs(self, pipeline_version: str) -> tuple[set[str], dict[str, str]]:
        """In two queries: the byte hashes of documents stored (not rejected) by `pipeline_version`, and the
        inputs that version rejected (input key -> reason)."""
        with self.engine.connect() as conn:
            done = set(conn.execute(select(documents.c.sha256).distinct()
                                    .where(documents.c.status != "rejected")
                                    .where(documents.c.pipeline_version == pipeline_version)).scalars())
            rejected = {r.input_key: r.reason for r in conn.execute(
                select(rejections.c.input_key, rejections.c.reason)
                .where(rejections.c.pipeline_version == pipeline_version))}
        return done, rejected

    def doc_by_sha(self, sha256: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(documents.c.doc_id, documents.c.status, documents.c.source,
                                      documents.c.pipeline_version)
                               .where(documents.c.sha256 == sha256).order_by(documents.c.ingested_at)).first()
        return row._asdict() if row else None

    def doc_by_text_sha(self, text_sha256: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.doc_id).where(
                documents.c.text_sha256 == text_sha256, documents.c.status == "ingested")).scalars().first()

    def doc_source(self, doc_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.source).where(documents.c.doc_id == doc_id)).scalar()

    def documents(self, status: str | None = None) -> list[dict]:
        q = select(documents.c.doc_id, documents.c.source, documents.c.provenance, documents.c.title,
                   documents.c.lang, documents.c.doc_type, documents.c.date, documents.c.year,
                   documents.c.speaker_state, documents.c.licence, documents.c.status, documents.c.reason,
                   documents.c.duplicate_of, documents.c.relevant, documents.c.n_passages.label("passages"),
                   documents.c.fmt, documents.c.encoding, documents.c.sha256).order_by(documents.c.doc_id)
        if status:
            q = q.where(documents.c.status == status)
        with self.engine.connect() as conn:
            return [r._asdict() for r in conn.execute(q)]

    def document(self, doc_id: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(documents).where(documents.c.doc_id == doc_id)).first()
        if row is None:
            return None
        d = row._asdict()
        d["cleaning"] = json.loads(d["cleaning"] or "{}")
        return d

    def original_bytes(self, sha256: str) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(select(blobs.c.data).where(blobs.c.sha256 == sha256)).scalar()

    def passages(self, doc_id: str | None = None, state: str | None = None, relevant: bool | None = None,
                 limit: int | None = None, passage_ids: list[str] | None = None) -> Iterator[dict]:
        q = select(passages).order_by(passages.c.doc_id, passages.c.position)
        if passage_ids is not None:
            q = q.where(passages.c.passage_id.in_(passage_ids))
        if doc_id:
            q = q.where(passages.c.doc_id == doc_id)
        if relevant is not None:
            q = q.where(passages.c.relevant == relevant)
        if state:
            q = q.where(passages.c.passage_id.in_(select(mentions.c.passage_id).where(mentions.c.state == state)))
        if limit:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            rows = [r._asdict() for r in conn.execute(q)]
            by_pid: dict[str, list[dict]] = {}
            for chunk in _chunks([r["passage_id"] for r in rows], 500):
                for mr in conn.execute(select(mentions).where(mentions.c.passage_id.in_(chunk))
                                       .order_by(mentions.c.passage_id, mentions.c.start)):
                    by_pid.setdefault(mr.passage_id, []).append(
                        dict(state=mr.state, start=mr.start, end=mr.end, surface=mr.surface, how=mr.how))
            tags_by_pid: dict[str, list[dict]] = {}
            for chunk in _chunks([r["passage_id"] for r in rows], 500):
                for tr in conn.execute(select(tags).where(tags.c.passage_id.in_(chunk)).order_by(tags.c.id)):
                    tags_by_pid.setdefault(tr.passage_id, []).append(
                        dict(state=tr.state, dimension=tr.dimension, area=tr.area, stance=tr.stance, score=tr.score,
                             confidence=tr.confidence, uncertain=bool(tr.uncertain), model_version=tr.model_version))
        for r in rows:
            r["tags"] = tags_by_pid.get(r["passage_id"], [])
            r["tokens"] = json.loads(r["tokens"])
            r["mentions"] = by_pid.get(r["passage_id"], [])
            r["states"] = sorted({m["state"] for m in r["mentions"]})
            yield r

    def fingerprint(self) -> dict:
        """What changes whenever documents or tags change: counts and latest write times (for cache keys)."""
        with self.engine.connect() as conn:
            # rejected documents are read again on every run (and rejected again): they change no result
            docs = conn.execute(select(func.count(), func.max(documents.c.ingested_at))
                                .where(documents.c.status != "rejected")).first()
            tagged = conn.execute(select(func.count(), func.max(taggings.c.tagged_at))).first()
            n_tags = conn.execute(select(func.count()).select_from(tags)).scalar()
            n_reviews = conn.execute(select(func.count(), func.max(reviews.c.review_id))).first()
        return {"documents": docs[0], "last_ingest": docs[1], "tagged_passages": tagged[0],
                "last_tagging": tagged[1], "tags": n_tags, "reviews": list(n_reviews)}

    def fetch_state(self, url: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(fetches).where(fetches.c.url == url)).first()
        return row._asdict() if row else None

    def record_fetch(self, url: str, kind: str, status: str, reason: str, fetched_at: str, etag: str | None = None,
                     last_modified: str | None = None, sha256: str | None = None,
                     content_type: str | None = None) -> None:
        """Remember a fetch; a 304 or a failure keeps the validators and hash of the last good fetch."""
        with self.engine.begin() as conn:
            old = conn.execute(select(fetches).where(fetches.c.url == url)).first()
            row = dict(kind=kind, status=status, reason=reason, fetched_at=fetched_at)
            if status == "fetched" or old is None:
                row.update(etag=etag, last_modified=last_modified, sha256=sha256, content_type=content_type)
            if old is None:
                conn.execute(insert(fetches).values(url=url, **row))
            else:
                conn.execute(update(fetches).where(fetches.c.url == url).values(**row))

    def tag_rows(self, model_version: str | None = None) -> list[dict]:
        """Every stored tag with its passage and document (for aggregation), plus `mention_states`: the
        states the passage's mentions name. With `model_version`, only that model's tags."""
        q = (select(tags.c.passage_id, tags.c.state, tags.c.dimension, tags.c.area, tags.c.stance, tags.c.score,
                    tags.c.confidence, tags.c.uncertain, tags.c.model_version, passages.c.doc_id,
                    passages.c.relevant, passages.c.text, passages.c.lang, documents.c.year, documents.c.date,
                    documents.c.source, documents.c.title, documents.c.doc_type, documents.c.provenance)
             .join(passages, passages.c.passage_id == tags.c.passage_id)
             .join(documents, documents.c.doc_id == passages.c.doc_id)
             .where(documents.c.status == "ingested")
             .order_by(tags.c.passage_id, tags.c.id))
        if model_version:
            q = q.where(tags.c.model_version == model_version)
        with self.engine.connect() as conn:
            rows = [r._asdict() for r in conn.execute(q)]
            states: dict[str, set[str]] = {}
            for chunk in _chunks(sorted({r["passage_id"] for r in rows}), 500):
                for pid, st in conn.execute(select(mentions.c.passage_id, mentions.c.state)
                                            .where(mentions.c.passage_id.in_(chunk))):
                    states.setdefault(pid, set()).add(st)
        for r in rows:
            r["mention_states"] = sorted(states.get(r["passage_id"], ()))
            r["relevant"] = bool(r["relevant"])
            r["uncertain"] = bool(r["uncertain"])
        return rows

    def passage_rows(self, passage_ids: list[str]) -> dict[str, dict]:
        """For each passage: its text, language, relevance, document fields and mention states — the
        fields of `tag_rows` that are not the tag's (for reviewed tags)."""
        out: dict[str, dict] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(passage_ids)), 500):
                q = (select(passages.c.passage_id, passages.c.doc_id, passages.c.relevant, passages.c.text,
                            passages.c.lang, passages.c.start, passages.c.end, documents.c.year, documents.c.date,
                            documents.c.source, documents.c.title, documents.c.doc_type, documents.c.provenance)
                     .join(documents, documents.c.doc_id == passages.c.doc_id)
                     .where(documents.c.status == "ingested").where(passages.c.passage_id.in_(chunk)))
                for r in conn.execute(q):
                    out[r.passage_id] = {**r._asdict(), "relevant": bool(r.relevant), "mention_states": set()}
                for pid, st in conn.execute(select(mentions.c.passage_id, mentions.c.state)
                                            .where(mentions.c.passage_id.in_(chunk))):
                    if pid in out:
                        out[pid]["mention_states"].add(st)
        for r in out.values():
            r["mention_states"] = sorted(r["mention_states"])
        return out

    @staticmethod
    def _untagged(q, model_version: str):
        return (q.join(documents, documents.c.doc_id == passages.c.doc_id)
                .outerjoin(taggings, taggings.c.passage_id == passages.c.passage_id)
                .where(documents.c.status == "ingested")
                .where((taggings.c.model_version.is_(None)) | (taggings.c.model_version != model_version)))

    def count_to_tag(self, model_version: str) -> int:
        """How many passages `passages_to_tag` would return (one cheap query: no text, no mentions)."""
        with self.engine.connect() as conn:
            return int(conn.execute(self._untagged(select(func.count()).select_from(passages),
                                                   model_version)).scalar_one())

    def passages_to_tag(self, model_version: str) -> list[dict]:
        """Passages of ingested documents not yet tagged by `model_version` (new, changed, or older model)."""
        q = self._untagged(select(passages.c.passage_id, passages.c.text, passages.c.lang, passages.c.tokens,
                                  documents.c.doc_type, documents.c.speaker_state, documents.c.year),
                           model_version).order_by(passages.c.passage_id)
        with self.engine.connect() as conn:
            rows = [r._asdict() for r in conn.execute(q)]
            by_pid: dict[str, list[dict]] = {}
            for chunk in _chunks([r["passage_id"] for r in rows], 500):
                for mr in conn.execute(select(mentions).where(mentions.c.passage_id.in_(chunk))):
                    by_pid.setdefault(mr.passage_id, []).append(
                        dict(state=mr.state, start=mr.start, end=mr.end, surface=mr.surface, how=mr.how))
        for r in rows:
            r["mentions"] = by_pid.get(r["passage_id"], [])
            r["tokens"] = json.loads(r["tokens"])
        return rows

    def write_tags(self, results: dict[str, list[dict]], model_version: str) -> None:
        """Replace the tags of the given passages (passage_id -> tag dicts), in one transaction."""
        now = _now()
        pids = list(results)
        with self.engine.begin() as conn:
            for chunk in _chunks(pids, 500):
                conn.execute(delete(tags).where(tags.c.passage_id.in_(chunk)))
                conn.execute(delete(taggings).where(taggings.c.passage_id.in_(chunk)))
            rows = [dict(passage_id=pid, model_version=model_version, **t) for pid, ts in results.items() for t in ts]
            if rows:
                conn.execute(insert(tags), rows)
            conn.execute(insert(taggings), [dict(passage_id=pid, model_version=model_version, tagged_at=now)
                                            for pid in pids])

    def summary(self) -> dict:
        """Counts for the main job's report."""
        with self.engine.connect() as conn:
            docs = conn.execute(select(documents.c.status, documents.c.lang, documents.c.doc_type, documents.c.year,
                                       func.count()).group_by(documents.c.status, documents.c.lang,
                                                              documents.c.doc_type, documents.c.year)).all()
            n_pass = conn.execute(select(func.count()).select_from(passages)).scalar()
            n_rel = conn.execute(select(func.count()).select_from(passages).where(passages.c.relevant)).scalar()
            by_state = dict(conn.execute(select(mentions.c.state, func.count()).group_by(mentions.c.state)).all())
            by_state_rel = dict(conn.execute(
                select(mentions.c.state, func.count(func.distinct(mentions.c.passage_id)))
                .join(passages, passages.c.passage_id == mentions.c.passage_id)
                .where(passages.c.relevant).group_by(mentions.c.state)).all())
            by_stance = {(st, d, stance): n for st, d, stance, n in conn.execute(
                select(tags.c.state, tags.c.dimension, tags.c.stance, func.count())
                .group_by(tags.c.state, tags.c.dimension, tags.c.stance))}
            n_tagged = conn.execute(select(func.count()).select_from(taggings)).scalar()
            rejected = conn.execute(select(documents.c.doc_id, documents.c.source, documents.c.reason)
                                    .where(documents.c.status == "rejected").order_by(documents.c.doc_id)).all()
        return dict(doc_groups=[tuple(r) for r in docs], passages=n_pass, relevant_passages=n_rel,
                    tags_by_state_dimension_stance=by_stance, tagged_passages=n_tagged,
                    mentions_by_state=by_state, relevant_passages_by_state=by_state_rel,
                    rejected=[r._asdict() for r in rejected])

    def count(self, table: str) -> int:
        t = metadata.tables[table]
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(t)).scalar()

    def integrity_problems(self) -> list[str]:
        """Cross-table inconsistencies (used by tests after an interrupted ingest)."""
        problems = []
        with self.engine.connect() as conn:
            for doc_id, n, actual in conn.execute(
                    select(documents.c.doc_id, documents.c.n_passages, func.count(passages.c.passage_id))
                    .outerjoin(passages, passages.c.doc_id == documents.c.doc_id).group_by(documents.c.doc_id,
                                                                                         documents.c.n_passages)):
                if n != actual:
                    problems.append(f"{doc_id}: n_passages {n} but {actual} passages stored")
            orphans = conn.execute(select(func.count()).select_from(passages).where(
                ~passages.c.doc_id.in_(select(documents.c.doc_id)))).scalar()
            if orphans:
                problems.append(f"{orphans} passages without a document")
            nob = conn.execute(select(func.count()).select_from(documents).where(
                ~documents.c.sha256.in_(select(blobs.c.sha256)))).scalar()
            if nob:
                problems.append(f"{nob} documents without their original bytes")
        return problems


def _chunks(items: list, n: int) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
