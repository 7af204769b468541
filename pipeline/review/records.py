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
from collections.abc import Iterator
from dataclasses import dataclass, field

from pipeline.codebook import DIMENSIONS, OBJECTS, SCO, STANCE_VALUE, STANCES, STATE_CODES

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
    """Validate an answer's tags and put them in a canonical order; one-line errors. A tag without an object
    is about the SCO (codebook §3a; answers saved before objects existed)."""
    out, seen = [], set()
    for tag in answer:
        if not isinstance(tag, dict):
            raise ReviewError("each tag must be an object with state, dimension, area and stance")
        state, dim = str(tag.get("state", "")).upper(), str(tag.get("dimension", ""))
        area, stance = str(tag.get("area", "")), str(tag.get("stance", ""))
        obj = str(tag.get("object") or SCO).upper()
        if state not in STATE_CODES:
            raise ReviewError(f"unknown state {state!r}")
        if obj not in OBJECTS or obj == state:
            raise ReviewError(f"object {obj!r} must be SCO or another member state")
        if dim not in DIMENSIONS:
            raise ReviewError(f"unknown dimension {dim!r}; one of {', '.join(DIMENSIONS)}")
        if area not in DIMENSIONS[dim]:
            raise ReviewError(f"area {area!r} is not one of {dim}'s: {', '.join(DIMENSIONS[dim])}")
        if stance not in STANCES:
            raise ReviewError(f"unknown stance {stance!r}; one of {', '.join(STANCES)}")
        if (state, obj, dim) in seen:
            raise ReviewError(f"{state} has two tags towards {obj} on {dim}; keep one")
        seen.add((state, obj, dim))
        out.append({"state": state, "object": obj, "dimension": dim, "area": area, "stance": stance})
    return sorted(out, key=lambda t: (t["state"], t["object"] != SCO, t["object"],
                                      list(DIMENSIONS).index(t["dimension"])))


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
    return [{"object": SCO, **{k: t[k] for k in ("state", "object", "dimension", "area", "stance", "confidence",
                                                 "model_version") if k in t}}
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


# -- the queue -------------------------------------------------------------------------------------------

ORDERS = {
    "uncertain": "most uncertain first (lowest tag confidence)",
    "sensitive": "most verdict-sensitive first (could move a state's level most)",
    "random": "random sample (seeded: the same sample on every visit)",
    "document": "document order",
}
FILTERS = ("state", "dimension", "lang", "year", "doc_type", "stance", "min_conf", "max_conf")


@dataclass
class Candidate:
    """A passage a reviewer may be shown: tagged by the model, or SCO-relevant and naming a member."""

    passage_id: str
    doc_id: str
    position: int
    lang: str
    year: int | None
    doc_type: str | None
    states: frozenset[str]  # tagged or mentioned
    dimensions: frozenset[str]
    stances: frozenset[str]
    confidence: float  # lowest confidence of its tags (0.5 with no tag)
    sensitivity: float = 0.0


def candidates(store, model_version: str | None = None) -> list[Candidate]:
    """Every passage worth reviewing, with what the filters and orderings need, and its sensitivity:
    for each of its stance tags, the share of its state's weight on that dimension in that year times the
    largest move a correction could make (4 points), over the distance from the state's score to the
    nearest level boundary (−1.5, 0, +1.5) — a correction of a passage that carries much of a score lying
    near a boundary can change the state's level, and so the dimension's tendency."""
    rows = store.tag_rows(model_version)
    by_pid: dict[str, list[dict]] = {}
    for r in rows:
        by_pid.setdefault(r["passage_id"], []).append(r)
    weight: dict[tuple, float] = {}
    total: dict[tuple, float] = {}
    for r in rows:
        if r["score"] is None:
            continue
        key = (r["state"], r["dimension"], r["year"])
        weight[key] = weight.get(key, 0.0) + r["confidence"]
        total[key] = total.get(key, 0.0) + r["confidence"] * r["score"]
    relevant = {p["passage_id"]: p for p in store.passages(relevant=True)}
    meta = store.passage_rows(list(by_pid))
    out = []
    for pid in sorted(set(by_pid) | set(relevant)):
        tags = by_pid.get(pid, [])
        info = meta.get(pid) or relevant.get(pid)
        if info is None:
            continue
        mentioned = set(info.get("mention_states") or info.get("states") or [])
        states = frozenset({t["state"] for t in tags} | (mentioned & set(STATE_CODES)))
        if not states:
            continue
        sens = 0.0
        for t in tags:
            key = (t["state"], t["dimension"], t["year"])
            if t["score"] is None or not weight.get(key):
                continue
            score = total[key] / weight[key]
            distance = min(abs(score - b) for b in (-1.5, 0.0, 1.5))
            sens = max(sens, (t["confidence"] / weight[key]) * 4 / (distance + 0.05))
        doc = info.get("doc_id")
        position = int(pid.rsplit("#", 1)[-1]) if "#" in pid and pid.rsplit("#", 1)[-1].isdigit() else 0
        year = info.get("year") if "year" in info else (tags[0]["year"] if tags else None)
        out.append(Candidate(pid, doc, position, info.get("lang") or "", year,
                             info.get("doc_type") or (tags[0]["doc_type"] if tags else None), states,
                             frozenset(t["dimension"] for t in tags), frozenset(t["stance"] for t in tags),
                             min((t["confidence"] for t in tags), default=0.5), sens))
    return out


def select_queue(cands: list[Candidate], filters: dict, order: str = "uncertain", seed: int = 0,
                 skip: set[str] | None = None) -> list[Candidate]:
    """The candidates that pass `filters` (state, dimension, lang, year, doc_type, stance, min_conf,
    max_conf; empty values ignored), minus `skip`, in the chosen order."""
    def keep(c: Candidate) -> bool:
        f = filters
        return ((not f.get("state") or f["state"] in c.states)
                and (not f.get("dimension") or f["dimension"] in c.dimensions)
                and (not f.get("lang") or c.lang == f["lang"])
                and (not f.get("year") or c.year == int(f["year"]))
                and (not f.get("doc_type") or c.doc_type == f["doc_type"])
                and (not f.get("stance") or f["stance"] in c.stances)
                and (f.get("min_conf") in (None, "") or c.confidence >= float(f["min_conf"]))
                and (f.get("max_conf") in (None, "") or c.confidence <= float(f["max_conf"])))

    chosen = [c for c in cands if keep(c) and not (skip and c.passage_id in skip)]
    if order == "uncertain":
        chosen.sort(key=lambda c: (c.confidence, c.doc_id, c.position))
    elif order == "sensitive":
        chosen.sort(key=lambda c: (-c.sensitivity, c.doc_id, c.position))
    elif order == "random":
        import random

        chosen.sort(key=lambda c: (c.doc_id, c.position))
        random.Random(seed).shuffle(chosen)
    elif order == "document":
        chosen.sort(key=lambda c: (c.doc_id, c.position))
    else:
        raise ReviewError(f"unknown order {order!r}; one of {', '.join(ORDERS)}")
    return chosen


def done_for(store, reviewer: str, overlap: float) -> set[str]:
    """Passages this reviewer should not be shown again: those they answered, and shared-thread passages
    anyone answered (a double-coded passage waits for its second reviewer)."""
    by_pid: dict[str, list[dict]] = {}
    for r in store.review_index():
        by_pid.setdefault(r["passage_id"], []).append(r)
    out = set()
    for pid, records in by_pid.items():
        state = resolve(pid, records)
        if not state.heads:
            continue  # every answer undone: back in the queue
        if (SHARED in state.heads or ADJUDICATION in state.heads or not double_coded(pid, overlap)
                or any(r["reviewer"] == reviewer for r in state.live)
                or len({r["reviewer"] for r in state.live}) >= 2):
            out.add(pid)
    return out


# -- agreement between reviewers ---------------------------------------------------------------------------

def agreement(store, overlap: float = 0.0) -> dict:
    """Krippendorff's alpha per dimension on the passages two or more reviewers answered independently
    (their blind threads), and the disagreements waiting for adjudication.

    Units are (passage, member state, object) triples that any reviewer tagged on the passage (the object: SCO
    or another member, codebook §3a). A reviewer's value for a unit on a dimension is the stance they gave the
    state towards that object on it, or `absent` (no tag on that dimension,
    or the passage marked irrelevant): alpha nominal over those categories. Alpha ordinal is computed on
    the units where both gave a stance (positive 2, limited 1, negative −1, opposed −2)."""
    import krippendorff
    import numpy as np

    by_pid: dict[str, list[dict]] = {}
    for r in store.iter_reviews():
        by_pid.setdefault(r["passage_id"], []).append(r)
    coded: dict[str, dict[str, dict]] = {}  # pid -> reviewer -> live blind answer
    adjudicated = set()
    for pid, records in by_pid.items():
        state = resolve(pid, records)
        if ADJUDICATION in state.heads:
            adjudicated.add(pid)
        blind = {r["reviewer"]: r for t, r in state.heads.items() if t not in (SHARED, ADJUDICATION)}
        if len(blind) >= 2:
            coded[pid] = blind
    reviewers = sorted({name for answers in coded.values() for name in answers})
    categories = ["absent", *STANCES]
    out: dict = {"passages": len(coded), "reviewers": reviewers, "dimensions": {}, "disagreements": []}
    for dim in DIMENSIONS:
        nominal, ordinal = [], []
        for _, answers in sorted(coded.items()):
            units = sorted({(t["state"], t.get("object") or SCO) for a in answers.values() for t in a["answer"]})
            for s, obj in units:
                row_n, row_o = [], []
                for name in reviewers:
                    a = answers.get(name)
                    if a is None:
                        row_n.append(np.nan)
                        row_o.append(np.nan)
                        continue
                    stance = next((t["stance"] for t in a["answer"] if t["state"] == s and t["dimension"] == dim
                                   and (t.get("object") or SCO) == obj), "absent")
                    row_n.append(categories.index(stance))
                    value = STANCE_VALUE.get(stance) if stance != "absent" else None
                    row_o.append(np.nan if value is None else value)
                nominal.append(row_n)
                ordinal.append(row_o)
        out["dimensions"][dim] = {"units": len(nominal),
                                  "alpha_nominal": _alpha(krippendorff, nominal, "nominal"),
                                  "alpha_ordinal": _alpha(krippendorff, ordinal, "ordinal")}
    for pid, answers in sorted(coded.items()):
        if len({answer_key(a) for a in answers.values()}) > 1:
            out["disagreements"].append({"passage_id": pid, "adjudicated": pid in adjudicated,
                                         "answers": {n: {"irrelevant": a["irrelevant"], "answer": a["answer"]}
                                                     for n, a in sorted(answers.items())}})
    return out


def _alpha(krippendorff, rows: list[list[float]], level: str) -> float | None:
    import numpy as np

    data = np.array(rows, dtype=float).T if rows else np.empty((0, 0))
    if data.size == 0 or np.sum(~np.isnan(data)) < 2:
        return None
    # alpha needs at least two values in some unit and more than one value overall
    values = data[~np.isnan(data)]
    if len(set(values.tolist())) < 2:
        return 1.0 if (np.sum(~np.isnan(data), axis=0) >= 2).any() else None
    try:
        return round(float(krippendorff.alpha(reliability_data=data, level_of_measurement=level)), 4)
    except (ValueError, ZeroDivisionError):
        return None


# -- interchange ---------------------------------------------------------------------------------------------

def _live(store) -> Iterator[tuple[dict, dict]]:
    """(review, passage context) for every live review (not undone, nor an undo record), oldest first,
    with the passages' context read 500 reviews at a time."""
    undone = store.undone_review_ids()
    batch: list[dict] = []
    known: dict[str, dict] = {}  # passage context already read (reviews of a passage come back often)

    def flush():
        missing = sorted({r["passage_id"] for r in batch} - set(known))
        if len(known) > 20000:
            known.clear()
        known.update(store.passage_rows(missing))
        for r in batch:
            yield r, known.get(r["passage_id"], {})

    for r in store.iter_reviews():
        if r["undoes"] is not None or r["review_id"] in undone:
            continue
        batch.append(r)
        if len(batch) >= 500:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def export_gold(store) -> Iterator[dict]:
    """Live reviews as JSONL records in the gold format (doc_id, source, start, end, sha1, text, lang,
    doc_type, speaker_state, date, labels, note), plus who reviewed and when. Offsets are into the stored
    (cleaned) text of the document; `passage_id` names the passage."""
    for r, p in _live(store):
        doc = store.document(r["passage_id"].rsplit("#", 1)[0]) if not p else None
        p = p or {}
        yield {"doc_id": p.get("doc_id") or (doc or {}).get("doc_id"), "source": p.get("source"),
               "start": p.get("start"), "end": p.get("end"), "sha1": r["text_sha"], "text": p.get("text"),
               "lang": p.get("lang"), "doc_type": p.get("doc_type"), "speaker_state": None,
               "date": p.get("date"), "labels": [] if r["irrelevant"] else r["answer"],
               "note": "irrelevant" if r["irrelevant"] else "", "origin": "model-reviewed",
               "annotator": f"reviewer:{r['reviewer']}", "passage_id": r["passage_id"],
               "review_id": r["review_id"], "reviewed_at": r["created_at"], "thread": r["thread"],
               "prediction": r["prediction"], "model_version": r["model_version"]}


def _ls_choice(tag: dict) -> str:
    return f"{tag['state']}|{tag.get('object') or SCO}|{tag['dimension']}|{tag['area']}|{tag['stance']}"


def export_label_studio(store) -> Iterator[str]:
    """Live reviews as Label Studio tasks (JSON array, streamed): the passage as `data.text`, each review
    an annotation whose choices are `STATE|OBJECT|dimension|area|stance` (or `irrelevant`), the model's tags a
    prediction."""
    yield "[\n"
    first = True
    for r, p in _live(store):
        result = [{"from_name": "tags", "to_name": "text", "type": "choices",
                   "value": {"choices": ["irrelevant"] if r["irrelevant"] else [_ls_choice(t) for t in r["answer"]]}}]
        task = {"id": r["review_id"],
                "data": {"text": p.get("text"), "passage_id": r["passage_id"], "doc_id": p.get("doc_id"),
                         "title": p.get("title"), "date": p.get("date"), "lang": p.get("lang")},
                "annotations": [{"completed_by": r["reviewer"], "created_at": r["created_at"], "result": result}],
                "predictions": [{"model_version": r["model_version"] or "",
                                 "result": [{"from_name": "tags", "to_name": "text", "type": "choices",
                                             "value": {"choices": [_ls_choice(t) for t in r["prediction"]]}}]}]}
        yield ("" if first else ",\n") + json.dumps(task, ensure_ascii=False)
        first = False
    yield "\n]\n"


@dataclass
class ImportReport:
    imported: int = 0
    skipped: list[str] = field(default_factory=list)  # one line per record not imported, with the reason

    def line(self) -> str:
        return f"imported {self.imported} reviews, skipped {len(self.skipped)}" + (
            f" (first: {self.skipped[0]})" if self.skipped else "")

    def as_dict(self) -> dict:
        return {"imported": self.imported, "skipped": self.skipped}


def import_reviews(store, data: bytes, fmt: str | None = None, default_reviewer: str = "") -> ImportReport:
    """Reviews from JSONL in the gold format (`passage_id`, or doc_id + start/end, and `labels`) or from
    Label Studio JSON (as exported); each becomes a new review (nothing is replaced) by its annotator, or
    `default_reviewer`. A record that does not fit is skipped with its reason; the rest go on."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReviewError("the file is not UTF-8 text") from None
    if fmt is None:
        fmt = "label-studio" if text.lstrip().startswith("[") else "jsonl"
    records: list[tuple[str, dict | None, str | None]] = []  # (where, record, error)
    if fmt == "label-studio":
        try:
            tasks = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReviewError(f"not Label Studio JSON: {exc.msg} at line {exc.lineno}") from None
        if not isinstance(tasks, list):
            raise ReviewError("Label Studio JSON must be a list of tasks")
        for i, task in enumerate(tasks, 1):
            try:
                records.extend((f"task {i}", rec, None) for rec in _from_label_studio(task))
            except (KeyError, TypeError, ValueError, ReviewError) as exc:
                records.append((f"task {i}", None, f"not a task as exported: {exc}"))
    elif fmt == "jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
                records.append((f"line {n}", obj, None))
            except ValueError as exc:
                records.append((f"line {n}", None, f"not JSON: {exc}"))
    else:
        raise ReviewError(f"unknown format {fmt!r}; jsonl or label-studio")
    report = ImportReport()
    source = f"import:{fmt}"
    for where, rec, error in records:
        if error:
            report.skipped.append(f"{where}: {error}")
            continue
        try:
            pid = _find_passage(store, rec)
            reviewer = str(rec.get("reviewer") or rec.get("annotator") or default_reviewer or "").removeprefix(
                "reviewer:")
            labels = rec.get("labels") or []
            irrelevant = bool(rec.get("irrelevant")) or rec.get("note") == "irrelevant"
            # the record's thread as exported: shared (the default), the reviewer's blind one, or adjudication
            adjudicate = rec.get("thread") == ADJUDICATION
            overlap = 0.0 if rec.get("thread", SHARED) == SHARED else 1.0
            base = resolve(pid, store.reviews_of(pid)).revisions.get(thread_of(pid, reviewer, overlap, adjudicate), 0)
            save(store, pid, reviewer, labels, irrelevant, base, overlap=overlap, adjudicate=adjudicate, source=source,
                 created_at=rec.get("reviewed_at"))
            report.imported += 1
        except (ReviewError, ReviewConflict, KeyError, TypeError, ValueError) as exc:
            report.skipped.append(f"{where}: {str(exc).splitlines()[0]}")
    return report


def _from_label_studio(task: dict) -> list[dict]:
    pid = task["data"]["passage_id"]
    out = []
    for ann in task.get("annotations", []):
        choices = [c for res in ann.get("result", []) for c in res.get("value", {}).get("choices", [])]
        irrelevant = choices == ["irrelevant"]
        labels = []
        if not irrelevant:
            for c in choices:
                parts = c.split("|")  # STATE|OBJECT|dimension|area|stance; before objects, no OBJECT (the SCO)
                state, obj, (dim, area, stance) = parts[0], parts[1] if len(parts) == 5 else SCO, parts[-3:]
                labels.append({"state": state, "object": obj, "dimension": dim, "area": area, "stance": stance})
        out.append({"passage_id": pid, "reviewer": str(ann.get("completed_by") or ""), "labels": labels,
                    "irrelevant": irrelevant, "reviewed_at": ann.get("created_at")})
    return out


def _find_passage(store, rec: dict) -> str:
    pid = rec.get("passage_id")
    if pid:
        if pid not in store.passage_rows([pid]):
            raise ReviewError(f"no passage {pid!r} in this store")
        if rec.get("sha1") and rec.get("text") is not None and text_sha(rec["text"]) != rec["sha1"]:
            raise ReviewError("sha1 does not match the text")
        return pid
    doc_id, start, end = rec.get("doc_id"), rec.get("start"), rec.get("end")
    for p in store.passages(doc_id=doc_id):
        if p["start"] == start and p["end"] == end:
            return p["passage_id"]
    raise ReviewError(f"no passage {doc_id} {start}-{end} in this store")


# -- feedback: reviews as training data ---------------------------------------------------------------------

def training_spans(store) -> tuple[list, dict]:
    """The effective review of every reviewed passage as a training span (origin `model-reviewed`,
    annotator `reviewer:NAME`; an irrelevant passage is a span with no label), held-out documents left
    out; and what the model card records of them (count, last review id)."""
    from pipeline.tagging.annotations import Label, Span, is_held_out

    effective = effective_reviews(store)
    if not effective:
        return [], {"count": 0, "last_review_id": 0}
    context = store.passage_rows(list(effective))
    spans_by = {p["passage_id"]: p for p in store.passages(passage_ids=list(effective))}
    out = []
    for pid, r in sorted(effective.items()):
        p, c = spans_by.get(pid), context.get(pid)
        if p is None or c is None or is_held_out(c["doc_id"]):
            continue
        doc = store.document(c["doc_id"]) or {}
        out.append(Span(doc_id=c["doc_id"], source=c["source"] or "", start=p["start"], end=p["end"], text=p["text"],
                        lang=p["lang"], doc_type=c["doc_type"] or "", speaker_state=doc.get("speaker_state") or "",
                        date=c["date"] or "", labels=[] if r["irrelevant"] else [Label(**t) for t in r["answer"]],
                        note="reviewed: irrelevant" if r["irrelevant"] else "reviewed", origin="model-reviewed",
                        annotator=f"reviewer:{r['reviewer']}", file="store:reviews", line=r["review_id"]))
    last = max((r["review_id"] for r in store.iter_reviews()), default=0)
    return out, {"count": len(out), "last_review_id": last}
