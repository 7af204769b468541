"""The model's tags in the store: which passages still need tagging, writing tags, and reading them for aggregation."""

from __future__ import annotations

import json

from sqlalchemy import delete, func, insert, select

from pipeline.codebook import SCO
from pipeline.records import TAGGED_KINDS
from pipeline.store.base import StorePart, chunks, now
from pipeline.store.schema import documents, mentions, passages, taggings, tags


def _untagged(q, model_version: str):
    # Only body text and abstracts are tagged: headings, notes, references, tables and titles are a
    # document's structure, not stance evidence (README, "How a document is read").
    return (q.join(documents, documents.c.doc_id == passages.c.doc_id)
            .outerjoin(taggings, taggings.c.passage_id == passages.c.passage_id)
            .where(documents.c.status == "ingested")
            .where(passages.c.kind.in_(sorted(TAGGED_KINDS)))
            .where((taggings.c.model_version.is_(None)) | (taggings.c.model_version != model_version)))


class Tagging(StorePart):
    """Tags per passage and model version, and the record of which model last tagged each passage."""

    def count_to_tag(self, model_version: str) -> int:
        """How many passages `passages_to_tag` would return (one cheap query: no text, no mentions)."""
        with self.engine.connect() as conn:
            return int(conn.execute(_untagged(select(func.count()).select_from(passages),
                                              model_version)).scalar_one())

    def passages_to_tag(self, model_version: str) -> list[dict]:
        """Passages of ingested documents not yet tagged by `model_version` (new, changed, or older model)."""
        q = _untagged(select(passages.c.passage_id, passages.c.text, passages.c.lang, passages.c.tokens,
                             documents.c.doc_type, documents.c.speaker_state, documents.c.year),
                      model_version).order_by(passages.c.passage_id)
        with self.engine.connect() as conn:
            rows = [r._asdict() for r in conn.execute(q)]
            by_pid: dict[str, list[dict]] = {}
            for chunk in chunks([r["passage_id"] for r in rows]):
                for mr in conn.execute(select(mentions).where(mentions.c.passage_id.in_(chunk))):
                    by_pid.setdefault(mr.passage_id, []).append(
                        dict(state=mr.state, start=mr.start, end=mr.end, surface=mr.surface, how=mr.how))
        for r in rows:
            r["mentions"] = by_pid.get(r["passage_id"], [])
            r["tokens"] = json.loads(r["tokens"])
        return rows

    def write_tags(self, results: dict[str, list[dict]], model_version: str) -> None:
        """Replace the tags of the given passages (passage_id -> tag dicts), in one transaction."""
        tagged_at = now()
        pids = list(results)
        with self.engine.begin() as conn:
            for chunk in chunks(pids):
                conn.execute(delete(tags).where(tags.c.passage_id.in_(chunk)))
                conn.execute(delete(taggings).where(taggings.c.passage_id.in_(chunk)))
            rows = [dict(passage_id=pid, model_version=model_version, **t) for pid, ts in results.items() for t in ts]
            if rows:
                conn.execute(insert(tags), rows)
            conn.execute(insert(taggings), [dict(passage_id=pid, model_version=model_version, tagged_at=tagged_at)
                                            for pid in pids])

    def tag_rows(self, model_version: str | None = None) -> list[dict]:
        """Every stored tag with its passage and document (for aggregation), plus `mention_states`: the
        states the passage's mentions name. With `model_version`, only that model's tags."""
        q = (select(tags.c.passage_id, tags.c.state, func.coalesce(tags.c.object, SCO).label("object"),
                    tags.c.dimension, tags.c.area, tags.c.stance, tags.c.score,
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
            for chunk in chunks(sorted({r["passage_id"] for r in rows})):
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
            for chunk in chunks(sorted(set(passage_ids))):
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
