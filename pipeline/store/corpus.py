"""The corpus in the store: documents with their original bytes, passages, mentions, and rejected inputs."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import delete, insert, select, update

from pipeline.codebook import SCO
from pipeline.records import Document
from pipeline.store.base import StorePart, chunks, now
from pipeline.store.schema import blobs, documents, mentions, passages, rejections, taggings, tags


def passage_id(doc_id: str, position: int) -> str:
    return f"{doc_id}#{position:04d}"


class Corpus(StorePart):
    """Documents, their bytes, passages and mentions: written one document per transaction, read back."""

    # -- writes ---------------------------------------------------------------------------
    def write_document(self, doc: Document, doc_id: str, pipeline_version: str, keep_bytes: bool = True) -> None:
        """Insert or replace one document with its bytes, passages and mentions, atomically."""
        m = doc.meta
        row = dict(
            doc_id=doc_id, source=m.source, provenance=m.provenance, title=m.title, date=m.date,
            date_source=m.date_source, year=m.year,
            doc_type=m.doc_type, lang=doc.lang, declared_lang=m.lang, speaker_state=m.speaker_state,
            licence=m.licence, sha256=doc.sha256, text_sha256=doc.text_sha256, fmt=doc.fmt, encoding=doc.encoding,
            text=doc.text or None, relevant=doc.relevant, status=doc.status, reason=doc.reason,
            duplicate_of=doc.duplicate_of, n_passages=len(doc.passages), cleaning=json.dumps(doc.cleaning),
            ingested_at=now(), pipeline_version=pipeline_version,
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
                                                   pipeline_version=pipeline_version, rejected_at=now()))

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

    def doc_by_text_sha(self, text_sha256: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.doc_id).where(
                documents.c.text_sha256 == text_sha256, documents.c.status == "ingested")).scalars().first()

    def doc_source(self, doc_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(documents.c.source).where(documents.c.doc_id == doc_id)).scalar()

    def documents(self, status: str | None = None) -> list[dict]:
        q = select(documents.c.doc_id, documents.c.source, documents.c.provenance, documents.c.title,
                   documents.c.lang, documents.c.doc_type, documents.c.date, documents.c.date_source,
                   documents.c.year,
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
        """Passages in document order, each with its tokens, mentions, mentioned `states` and current tags."""
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
            for chunk in chunks([r["passage_id"] for r in rows]):
                for mr in conn.execute(select(mentions).where(mentions.c.passage_id.in_(chunk))
                                       .order_by(mentions.c.passage_id, mentions.c.start)):
                    by_pid.setdefault(mr.passage_id, []).append(
                        dict(state=mr.state, start=mr.start, end=mr.end, surface=mr.surface, how=mr.how))
            tags_by_pid: dict[str, list[dict]] = {}
            for chunk in chunks([r["passage_id"] for r in rows]):
                for tr in conn.execute(select(tags).where(tags.c.passage_id.in_(chunk)).order_by(tags.c.id)):
                    tags_by_pid.setdefault(tr.passage_id, []).append(
                        dict(state=tr.state, object=tr.object or SCO, dimension=tr.dimension, area=tr.area,
                             stance=tr.stance, score=tr.score,
                             confidence=tr.confidence, uncertain=bool(tr.uncertain), model_version=tr.model_version))
        for r in rows:
            r["tags"] = tags_by_pid.get(r["passage_id"], [])
            r["tokens"] = json.loads(r["tokens"])
            r["mentions"] = by_pid.get(r["passage_id"], [])
            r["states"] = sorted({m["state"] for m in r["mentions"]})
            yield r
