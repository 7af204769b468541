"""Reads over the whole store: the counts in the main job's report and the fingerprint that keys caches."""

from __future__ import annotations

from sqlalchemy import func, select

from pipeline.store.base import StorePart
from pipeline.store.schema import documents, mentions, passages, reviews, taggings, tags


class Overview(StorePart):
    """Totals across documents, passages, mentions, tags and reviews."""

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
