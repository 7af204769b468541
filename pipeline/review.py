"""Reviews of tagged passages: append-only records, conflicts, undo, the effective answer per passage.

A review is a reviewer's answer for one passage — the full list of tags (state, dimension, area, stance)
the passage should have, or "irrelevant" — stored with the reviewer, the time, the model's prediction at
that moment and the passage text's hash. Nothing is overwritten: a change is a new review, an undo is a
record that cancels one earlier review.

Threads and conflicts. Most passages have one shared thread: whoever saves second, having loaded the
passage before the first save, gets a conflict (and the other answer) instead of silently replacing it —
the save names the revision it was based on, and (passage, thread, revision) is unique in the store, so
two saves can never both become revision n+1. Passages chosen for double coding (the overlap share, by a
hash of the passage id) have one blind thread per reviewer, so that two reviewers answer independently and
their agreement can be measured; their disagreements are listed for adjudication, and an adjudication is
the passage's answer.

The effective answer of a passage: its adjudication if any; else the latest answer of the shared thread;
else, for a double-coded passage, the answer its reviewers agree on, or the latest one (marked disputed).
Reviews whose passage text has since changed (the document was processed again) no longer apply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from .annotations import DIMENSIONS, STANCE_VALUE, STANCES
from .states import STATE_CODES

SHARED = ""  # the thread of a passage reviewed once
ADJUDICATION = "#adjudication"


class ReviewConflict(Exception):
    """Someone saved this passage's thread after the revision the reviewer started from."""

    def __init__(self, current: dict | None):
        self.current = current
        who = current["reviewer"] if current else "someone"
        super().__init__(f"{who} saved this passage meanwhile (revision {current['revision'] if current else '?'});"
                         " their answer is shown — save again to replace it")


class ReviewError(ValueError):
    """An answer that is not a valid set of tags (one line, for the reviewer)."""


def text_sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def double_coded(passage_id: str, overlap: float) -> bool:
    """Whether a passage is one of the `overlap` share shown to two reviewers (stable: a hash of its id)."""
    if overlap <= 0:
        return False
    h = int(hashlib.sha256(passage_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return h < overlap


def thread_of(passage_id: str, reviewer: str, overlap: float, adjudicate: bool = False) -> str:
    if adjudicate:
        return ADJUDICATION
    return reviewer if double_coded(passage_id, overlap) else SHARED


def normalise(answer: list[dict]) -> list[dict]:
    """Validate an answer's tags and put them in a canonical order; one-line errors."""
    out, seen = [], set()
    for tag in answer:
        if not isinstance(tag, dict):
            raise ReviewError("each tag must be an object with state, dimension, area and stance")
        state, dim = str(tag.get("state", "")).upper(), str(tag.get("dimension", ""))
        area, stance = str(tag.get("area", "")), str(tag.get("stance", ""))
        if state not in STATE_CODES:
            raise ReviewError(f"unknown state {state!r}")
        if dim not in DIMENSIONS:
            raise ReviewError(f"unknown dimension {dim!r}; one of {', '.join(DIMENSIONS)}")
        if area not in DIMENSIONS[dim]:
            raise ReviewError(f"area {area!r} is not one of {dim}'s: {', '.join(DIMENSIONS[dim])}")
        if stance not in STANCES:
            raise ReviewError(f"unknown stance {stance!r}; one of {', '.join(STANCES)}")
        if (state, dim) in seen:
            raise ReviewError(f"{state} has two tags on {dim}; keep one")
        seen.add((state, dim))
        out.append({"state": state, "dimension": dim, "area": area, "stance": stance})
    return sorted(out, key=lambda t: (t["state"], list(DIMENSIONS).index(t["dimension"])))


def answer_key(review: dict) -> str:
    """What two reviews must share to agree: irrelevant, or the same tags."""
    return "irrelevant" if review["irrelevant"] else json.dumps(review["answer"], sort_keys=True)


@dataclass
class PassageState:
    """The reviews of one passage, resolved."""

    passage_id: str
    live: list[dict] = field(default_factory=list)  # reviews not undone, oldest first
    heads: dict[str, dict] = field(default_factory=dict)  # thread -> latest live review
    revisions: dict[str, int] = field(default_factory=dict)  # thread -> latest revision (undo records too)

    @property
    def effective(self) -> dict | None:
        if ADJUDICATION in self.heads:
            return {**self.heads[ADJUDICATION], "disputed": False}
        if SHARED in self.heads:
            return {**self.heads[SHARED], "disputed": False}
        blind = sorted((r for t, r in self.heads.items() if t not in (SHARED, ADJUDICATION)),
                       key=lambda r: r["review_id"])
        if not blind:
            return None
        return {**blind[-1], "disputed": len({answer_key(r) for r in blind}) > 1}


def resolve(passage_id: str, reviews: list[dict], current_text_sha: str | None = None) -> PassageState:
    """Resolve a passage's review records (any order) into live reviews, thread heads and revisions.
    With `current_text_sha`, reviews of another text of the passage are left out."""
    state = PassageState(passage_id)
    undone = {r["undoes"] for r in reviews if r["undoes"] is not None}
    for r in sorted(reviews, key=lambda r: r["review_id"]):
        state.revisions[r["thread"]] = max(state.revisions.get(r["thread"], 0), r["revision"])
        if r["undoes"] is not None or r["review_id"] in undone:
            continue
        if current_text_sha is not None and r["text_sha"] != current_text_sha:
            continue
        state.live.append(r)
        state.heads[r["thread"]] = r
    return state


def stance_score(stance: str) -> int | None:
    return STANCE_VALUE.get(stance)


# -- on the store ----------------------------------------------------------------------------------------

def _prediction(passage: dict) -> list[dict]:
    return [{k: t[k] for k in ("state", "dimension", "area", "stance", "confidence", "model_version")}
            for t in passage["tags"]]


def passage(store, passage_id: str) -> dict | None:
    found = list(store.passages(passage_ids=[passage_id]))
    return found[0] if found else None


def save(store, passage_id: str, reviewer: str, answer: list[dict], irrelevant: bool = False,
         base_revision: int = 0, overlap: float = 0.0, adjudicate: bool = False, source: str = "web",
         created_at: str | None = None) -> dict:
    """Store a reviewer's answer for a passage, based on revision `base_revision` of its thread. A save
    based on an older revision raises ReviewConflict with the answer saved meanwhile."""
    reviewer = reviewer.strip()
    if not reviewer:
        raise ReviewError("a review needs a reviewer name")
    p = passage(store, passage_id)
    if p is None:
        raise ReviewError(f"no passage {passage_id!r} in the store")
    answer = [] if irrelevant else normalise(answer)
    thread = thread_of(passage_id, reviewer, overlap, adjudicate)
    state = resolve(passage_id, store.reviews_of(passage_id))
    current = state.revisions.get(thread, 0)
    if base_revision != current:
        raise ReviewConflict(state.heads.get(thread) or _latest(state, thread))
    row = {"passage_id": passage_id, "thread": thread, "revision": current + 1, "reviewer": reviewer,
           "irrelevant": bool(irrelevant), "answer": answer, "prediction": _prediction(p),
           "model_version": p["tags"][0]["model_version"] if p["tags"] else None, "text_sha": text_sha(p["text"]),
           "undoes": None, "source": source, "created_at": created_at}
    review_id = store.add_review(row)
    if review_id is None:  # another save took this revision between our read and our write
        state = resolve(passage_id, store.reviews_of(passage_id))
        raise ReviewConflict(state.heads.get(thread) or _latest(state, thread))
    return {"review_id": review_id, "revision": current + 1, "thread": thread}


def _latest(state: PassageState, thread: str) -> dict | None:
    rev = state.revisions.get(thread)
    return {"reviewer": "someone", "revision": rev, "answer": [], "irrelevant": False} if rev else None


def undo(store, reviewer: str) -> dict:
    """Cancel the reviewer's latest answer that is not yet cancelled (repeatable: undo, undo, ...)."""
    for _ in range(5):
        last = store.last_review_by(reviewer)
        if last is None:
            raise ReviewError(f"{reviewer} has nothing to undo")
        state = resolve(last["passage_id"], store.reviews_of(last["passage_id"]))
        revision = state.revisions.get(last["thread"], 0) + 1
        review_id = store.add_review({
            "passage_id": last["passage_id"], "thread": last["thread"], "revision": revision,
            "reviewer": reviewer, "irrelevant": False, "answer": [], "prediction": [],
            "model_version": last["model_version"], "text_sha": last["text_sha"], "undoes": last["review_id"],
            "source": "web"})
        if review_id is not None:
            return {"review_id": review_id, "undid": last["review_id"], "passage_id": last["passage_id"],
                    "revision": revision}
    raise ReviewError("could not undo: the passage keeps changing; try again")


def effective_reviews(store) -> dict[str, dict]:
    """passage id -> its effective review (see the module's docstring), for passages whose text is
    unchanged since they were reviewed."""
    by_pid: dict[str, list[dict]] = {}
    for r in store.iter_reviews():
        by_pid.setdefault(r["passage_id"], []).append(r)
    texts = store.passage_rows(list(by_pid))
    out = {}
    for pid, records in by_pid.items():
        if pid not in texts:
            continue
        eff = resolve(pid, records, text_sha(texts[pid]["text"])).effective
        if eff is not None:
            out[pid] = eff
    return out


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
            out.append({**context[pid], "relevant": True, "passage_id": pid, "state": tag["state"], "dimension": tag["dimension"],
                        "area": tag["area"], "stance": tag["stance"], "score": stance_score(tag["stance"]),
                        "confidence": 1.0, "uncertain": False, "model_version": f"review:{review['reviewer']}",
                        "reviewed": True})
    return out
