"""The reviewers' records in the store: appended, never changed, read whole or as a cheap index."""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from pipeline.store.base import StorePart, now_precise
from pipeline.store.schema import reviews


def _record(r) -> dict:
    d = r._asdict()
    d["answer"], d["prediction"] = json.loads(d["answer"]), json.loads(d["prediction"])
    d["irrelevant"] = bool(d["irrelevant"])
    return d


class ReviewLog(StorePart):
    """Review records (see `pipeline.review.records`): a change is a new record, an undo one that names another."""

    def add_review(self, row: dict) -> int | None:
        """Insert one review record; None when its (passage, thread, revision) is taken (a conflict)."""
        row = {**row, "answer": json.dumps(row["answer"], ensure_ascii=False),
               "prediction": json.dumps(row["prediction"], ensure_ascii=False),
               "created_at": row.get("created_at") or now_precise()}
        try:
            with self.engine.begin() as conn:
                return int(conn.execute(insert(reviews).values(**row)).inserted_primary_key[0])
        except IntegrityError:
            return None

    def reviews_of(self, passage_id: str) -> list[dict]:
        with self.engine.connect() as conn:
            return [_record(r) for r in conn.execute(
                select(reviews).where(reviews.c.passage_id == passage_id).order_by(reviews.c.review_id))]

    def iter_reviews(self, batch: int = 2000) -> Iterator[dict]:
        """Every review record, oldest first, read in batches (for streaming exports)."""
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = [_record(r) for r in conn.execute(
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
        return _record(r) if r else None
