"""What the review dashboard shows: review progress, reviews since training, and the current verdicts."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from pipeline.analysis.aggregate import by_period
from pipeline.analysis.effective import effective_tags
from pipeline.config import BUNDLED_MODELS, AggregateConfig
from pipeline.jobs import verdict_line
from pipeline.review.records import effective_reviews
from pipeline.store import Store
from pipeline.tagging import models


def dashboard_summary(store: Store, models_dir: Path = BUNDLED_MODELS,
                      aggregate: AggregateConfig | None = None) -> dict:
    """What the review dashboard shows: review progress, reviews since the model was trained, and the
    current verdict table (reviewed tags in place of the model's; a quicker bootstrap of 200 replicates)."""
    card = models.card(models_dir)
    live_by: Counter = Counter()
    total = undone = 0
    last_used = (card.get("reviews") or {}).get("last_review_id", 0)
    since = 0
    for r in store.iter_reviews():
        total += 1
        if r["undoes"] is not None:
            undone += 1
            continue
        live_by[r["reviewer"]] += 1
        if r["review_id"] > last_used:
            since += 1
    effective = effective_reviews(store)
    rows = effective_tags(store, card["version"])
    config = replace(aggregate or AggregateConfig(), bootstrap=200)
    periods = by_period(rows, config)
    overall = by_period(rows, config, by="all")["all"]
    table = [{"period": p, "verdict": r["verdict"] or "no verdict", "probability": r["verdict_probability"],
              "documents": r["documents"], "tags": r["tags"],
              "reviewed": sum(1 for x in rows if x.get("reviewed") and _period(x) == p)}
             for p, r in periods.items()]
    return {"model": card["version"], "reviews_total": total, "undo_records": undone,
            "by_reviewer": sorted(live_by.items(), key=lambda kv: (-kv[1], kv[0])),
            "passages_reviewed": len(effective), "irrelevant": sum(1 for r in effective.values() if r["irrelevant"]),
            "disputed": sum(1 for r in effective.values() if r.get("disputed")),
            "since_training": since, "verdicts": table, "overall": verdict_line(overall)}


def _period(row: dict) -> str:
    """The period of the verdict table a tag row falls in: its year, or "undated"."""
    return str(row["year"]) if row["year"] else "undated"
