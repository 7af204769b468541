"""The tags aggregation counts: the model's tags, with those of reviewed passages replaced by the reviewers'
answers. Trends, `analyze --keep`, the run summary and the review dashboard all read their tags here."""

from __future__ import annotations

from collections.abc import Collection

from pipeline.codebook import SCO
from pipeline.review.records import effective_reviews, stance_score
from pipeline.store import Store


def effective_tags(store: Store, model_version: str, doc_ids: Collection[str] | None = None) -> list[dict]:
    """The tag rows of `model_version` (of `doc_ids` only, when given) with reviews laid over them."""
    rows = apply_reviews(store.tag_rows(model_version), store)
    if doc_ids is not None:
        rows = [r for r in rows if r["doc_id"] in doc_ids]
    return rows


def apply_reviews(rows: list[dict], store) -> list[dict]:
    """Tag rows for aggregation with the reviewed passages' model tags replaced by the reviewers' answers
    (confidence 1, marked `reviewed`); an irrelevant passage loses its tags."""
    effective = effective_reviews(store)
    if not effective:
        return [{**r, "reviewed": False} for r in rows]
    out = [{**r, "reviewed": False} for r in rows if r["passage_id"] not in effective]
    context = store.passage_rows(list(effective))
    for pid, review in sorted(effective.items()):
        if review["irrelevant"] or pid not in context:
            continue
        for tag in review["answer"]:
            # the reviewer's tag counts whatever the passage's relevance flag says: they read it
            out.append({**context[pid], "relevant": True, "passage_id": pid, "state": tag["state"],
                        "object": tag.get("object") or SCO, "dimension": tag["dimension"],
                        "area": tag["area"], "stance": tag["stance"], "score": stance_score(tag["stance"]),
                        "confidence": 1.0, "uncertain": False, "model_version": f"review:{review['reviewer']}",
                        "reviewed": True})
    return out
