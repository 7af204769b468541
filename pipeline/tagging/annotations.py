"""Hand labels in the codebook's scheme: load them, check them against the corpus, and guard the held-out set."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.codebook import DIMENSIONS, MEMBERS, OBJECTS, SCO, STANCES
from pipeline.config import BUNDLED_CORPUS

ANNOTATIONS = BUNDLED_CORPUS / "annotations"
ORIGINS = ("gold", "assistant", "rule", "model-reviewed", "hand")


# The annotators of round 2's UN work list, where every passage (labelled or []) was read under the
# member-relations rule (corpora/annotations/README.md).
MEMBER_RELATIONS_ANNOTATORS = {"assistant:en-annotator-3", "assistant:en-annotator-4"}


def scope(span: Span) -> str:
    """"member-relations" for spans read under the round-2 member-relations rule, else "sco-frame"."""
    if span.note.startswith("member relations") or span.annotator in MEMBER_RELATIONS_ANNOTATORS:
        return "member-relations"
    return "sco-frame"


def is_held_out(doc_id: str) -> bool:
    """Documents reserved for independent evaluation: never labelled, trained or tuned on."""
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[0] in "012"


@dataclass(frozen=True)
class Label:
    state: str
    dimension: str
    area: str
    stance: str
    object: str = SCO  # codebook v2 (§3a): the SCO, or another member state; labels read before v2 are SCO

@dataclass
class Span:
    doc_id: str
    source: str
    start: int
    end: int
    text: str
    lang: str
    doc_type: str
    speaker_state: str
    date: str
    labels: list[Label]
    note: str = ""
    origin: str = "gold"
    annotator: str = ""
    file: str = ""
    line: int = 0
    extra: dict = field(default_factory=dict)


@lru_cache(maxsize=2048)
def _doc_text(source: str, doc_id: str, root: Path = BUNDLED_CORPUS) -> str | None:
    path = root / source / f"{doc_id}.txt"
    return path.read_text(encoding="utf-8") if path.exists() else None


def load(folder: Path = ANNOTATIONS) -> Iterator[Span]:
    for path in sorted(folder.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            r = json.loads(line)
            known = {"doc_id", "source", "start", "end", "sha1", "text", "lang", "doc_type", "speaker_state", "date",
                     "labels", "note", "origin", "annotator"}
            yield Span(doc_id=r["doc_id"], source=r["source"], start=r["start"], end=r["end"], text=r["text"],
                       lang=r["lang"], doc_type=r.get("doc_type", ""), speaker_state=r.get("speaker_state") or "",
                       date=r.get("date") or "", labels=[Label(**lab) for lab in r["labels"]],
                       note=r.get("note", ""), origin=r.get("origin", "gold"), annotator=r.get("annotator", ""),
                       file=path.name, line=n, extra={k: v for k, v in r.items() if k not in known})


def problems(spans: list[Span], root: Path = BUNDLED_CORPUS) -> list[str]:
    """Everything wrong with a set of spans: offsets, hashes, labels, held-out documents, duplicates."""
    out = []
    seen: dict[tuple[str, int, int], str] = {}
    for s in spans:
        where = f"{s.file}:{s.line} ({s.doc_id} {s.start}-{s.end})"
        if is_held_out(s.doc_id):
            out.append(f"{where}: held-out document (sha1(doc_id) starts with 0, 1 or 2)")
        text = _doc_text(s.source, s.doc_id, root)
        if text is None:
            out.append(f"{where}: no such document {s.source}/{s.doc_id}.txt")
        elif text[s.start:s.end] != s.text:
            out.append(f"{where}: text does not match the document at these offsets")
        key = (s.doc_id, s.start, s.end)
        if key in seen:
            out.append(f"{where}: same span as {seen[key]}")
        seen[key] = where
        if s.origin not in ORIGINS:
            out.append(f"{where}: origin {s.origin!r} not one of {ORIGINS}")
        pairs = Counter((lab.state, lab.object, lab.dimension) for lab in s.labels)
        for lab in s.labels:
            if lab.state not in MEMBERS:
                out.append(f"{where}: state {lab.state!r} is not a member")
            if lab.dimension not in DIMENSIONS:
                out.append(f"{where}: dimension {lab.dimension!r}")
            elif lab.area not in DIMENSIONS[lab.dimension]:
                out.append(f"{where}: area {lab.area!r} is not an area of {lab.dimension}")
            if lab.stance not in STANCES:
                out.append(f"{where}: stance {lab.stance!r}")
            if lab.object not in OBJECTS or lab.object == lab.state:
                out.append(f"{where}: object {lab.object!r} is neither SCO nor another member")
            if pairs[(lab.state, lab.object, lab.dimension)] > 1:
                out.append(f"{where}: two labels for ({lab.state} → {lab.object}, {lab.dimension})")
                pairs[(lab.state, lab.object, lab.dimension)] = 1
    return out


def stats(spans: list[Span]) -> dict:
    labels = [(s, lab) for s in spans for lab in s.labels]
    return {
        "spans": len(spans),
        "labels": len(labels),
        "by_lang": dict(Counter(s.lang for s, _ in labels)),
        "by_stance": dict(Counter(lab.stance for _, lab in labels)),
        "by_dimension": dict(Counter(lab.dimension for _, lab in labels)),
        "by_object": {"SCO": sum(lab.object == SCO for _, lab in labels),
                      "member": sum(lab.object != SCO for _, lab in labels)},
        "by_origin": dict(Counter(s.origin for s, _ in labels)),
    }


if __name__ == "__main__":  # python -m pipeline.tagging.annotations: check the project's annotations
    import sys

    spans = list(load())
    found = problems(spans)
    print("\n".join(found[:50]))
    print(json.dumps(stats(spans), ensure_ascii=False))
    sys.exit(1 if found else 0)
