"""Agreement between two independent readings of the same spans (inter-annotator agreement).

The first reading is the annotation set (`corpora/annotations/*.jsonl`); the second is a blind re-reading
of a sample of its spans (`corpora/annotations/agreement/*.jsonl`, same record format). Spans are matched by
(doc_id, start, end). Reported on the three levels the tagger is evaluated on, so the two can be read side
by side: which states a span is about (F1 between the readings), which (state, dimension) pairs (F1), and
the stance of pairs both readings labelled (raw agreement, Cohen's kappa, and linearly weighted kappa on
the ordinal scale for pairs where both gave a stance other than none).

Whom a stance is about (codebook §3a): `agreement/objects/second-reading.jsonl` is a blind second reading
of the object of each label of a sample of spans (the annotator saw the text and the labels' state,
dimension and stance, not their objects). Reported: exact agreement of the object sets per (span, state,
dimension), and raw agreement and Cohen's kappa on whether the label is about the SCO only or (also) about
another member. Spans to which the later pass of friendly dyads added labels are left out (the blind reader
was shown the labels as they were before it).

    python -m pipeline.tagging.agreement            # prints Markdown, writes models/agreement.json and .md
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from pipeline.codebook import STANCE_VALUE
from pipeline.tagging.annotations import ANNOTATIONS, Span, load
from pipeline.tagging.metrics import f1
from pipeline.tagging.models import MODELS

SECOND = ANNOTATIONS / "agreement"


def _readings_f1(n_first: int, n_second: int, n_both: int) -> float | None:
    """F1 of one reading against the other from their label counts, to 4 places; None if neither labelled."""
    return round(f1(n_both, n_first - n_both, n_second - n_both), 4) if n_first + n_second else None


def agreement(first: list[Span], second: list[Span]) -> dict:
    """Agreement of `second` with `first` on their common spans, overall and by the first reading's origin."""
    from sklearn.metrics import cohen_kappa_score

    by_key = {(s.doc_id, s.start, s.end): s for s in first}
    groups: dict[str, list[tuple[Span, Span]]] = defaultdict(list)
    for s in second:
        f = by_key.get((s.doc_id, s.start, s.end))
        if f is not None:
            groups["all"].append((f, s))
            groups[f"first reading: {f.origin}"].append((f, s))
    out = {}
    for name, pairs in groups.items():
        n_a = n_b = both = 0
        d_a = d_b = d_both = 0
        stance_a, stance_b = [], []
        for f, s in pairs:
            sa, sb = {lab.state for lab in f.labels}, {lab.state for lab in s.labels}
            n_a, n_b, both = n_a + len(sa), n_b + len(sb), both + len(sa & sb)
            pa = {(lab.state, lab.dimension): lab.stance for lab in f.labels}
            pb = {(lab.state, lab.dimension): lab.stance for lab in s.labels}
            d_a, d_b, d_both = d_a + len(pa), d_b + len(pb), d_both + len(pa.keys() & pb.keys())
            for k in sorted(pa.keys() & pb.keys()):
                stance_a.append(pa[k])
                stance_b.append(pb[k])
        ordinal = [(STANCE_VALUE[a], STANCE_VALUE[b]) for a, b in zip(stance_a, stance_b, strict=True)
                   if STANCE_VALUE[a] is not None and STANCE_VALUE[b] is not None]
        out[name] = {
            "spans": len(pairs),
            "labels_first": d_a, "labels_second": d_b,
            "state_f1": _readings_f1(n_a, n_b, both),
            "dimension_f1": _readings_f1(d_a, d_b, d_both),
            "stance_pairs": len(stance_a),
            "stance_agreement": round(sum(a == b for a, b in zip(stance_a, stance_b, strict=True))
                                      / len(stance_a), 4) if stance_a else None,
            "stance_kappa": _kappa(cohen_kappa_score, stance_a, stance_b),
            "stance_weighted_kappa": _kappa(cohen_kappa_score, [a for a, _ in ordinal], [b for _, b in ordinal],
                                            weights="linear"),
        }
    return out


def _kappa(fn, a: list, b: list, **kw) -> float | None:
    if len(a) < 2 or len(set(a) | set(b)) < 2:
        return None
    return round(float(fn(a, b, **kw)), 4)


def object_agreement(first: list[Span], path: Path) -> dict | None:
    """The first reading's objects against a blind second reading of them (`path`, JSONL: doc_id, start, end,
    objects: [{state, dimension, objects}])."""
    if not path.exists():
        return None
    by_span = {(s.doc_id, s.start, s.end): s for s in first}
    units, exact, pairs, annotators = 0, 0, [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        span = by_span.get((r["doc_id"], r["start"], r["end"]))
        if span is None or "codebook v2 dyads" in str(span.extra.get("revised", "")):
            continue  # the second pass added dyads the blind reader was never shown: not comparable
        annotators.add(r["annotator"])
        for unit in r["objects"]:
            key = (unit["state"], unit["dimension"])
            mine = {lab.object for lab in span.labels if (lab.state, lab.dimension) == key}
            if not mine:
                continue
            theirs = set(unit["objects"])
            units += 1
            exact += mine == theirs
            pairs.append((mine != {"SCO"}, theirs != {"SCO"}))
    if not units:
        return None
    agree = sum(a == b for a, b in pairs) / len(pairs)
    p1, p2 = sum(a for a, _ in pairs) / len(pairs), sum(b for _, b in pairs) / len(pairs)
    expected = p1 * p2 + (1 - p1) * (1 - p2)
    return {"annotators": sorted(annotators), "units": units, "exact_agreement": round(exact / units, 4),
            "member_agreement": round(agree, 4),
            "member_kappa": round((agree - expected) / (1 - expected), 4) if expected < 1 else None,
            "member_first": sum(a for a, _ in pairs), "member_second": sum(b for _, b in pairs)}


def markdown(report: dict, annotators: list[str]) -> str:
    lines = ["# Inter-annotator agreement", "",
             f"Second, blind reading by {', '.join(annotators)} of a random sample of annotated spans, "
             "compared with the first reading (`python -m pipeline.tagging.agreement`).", "",
             "| sample | spans | labels (1st / 2nd) | state F1 | (state, dimension) F1 | stance pairs | "
             "stance agreement | Cohen's kappa | weighted kappa (non-none) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in report.items():
        lines.append(f"| {name} | {r['spans']} | {r['labels_first']} / {r['labels_second']} | {r['state_f1']} | "
                     f"{r['dimension_f1']} | {r['stance_pairs']} | {r['stance_agreement']} | {r['stance_kappa']} | "
                     f"{r['stance_weighted_kappa']} |")
    return "\n".join(lines) + "\n"


def objects_markdown(obj: dict | None) -> str:
    if not obj:
        return ""
    return "\n".join([
        "", "## Whom a stance is about (codebook §3a)", "",
        f"Blind second reading of the objects by {', '.join(obj['annotators'])} (shown the text and each label's "
        "state, dimension and stance, not its object).", "",
        "| labels compared | object sets identical | SCO only vs (also) a member: agreement | Cohen's kappa | "
        "member-directed (1st / 2nd) |", "|---|---|---|---|---|",
        f"| {obj['units']} | {obj['exact_agreement']} | {obj['member_agreement']} | {obj['member_kappa']} | "
        f"{obj['member_first']} / {obj['member_second']} |"]) + "\n"


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--annotations", type=Path, default=ANNOTATIONS)
    ap.add_argument("--second", type=Path, default=None,
                    help="folder of second readings (default: <annotations>/agreement)")
    ap.add_argument("--out", type=Path, default=MODELS)
    args = ap.parse_args(argv)
    second_dir = args.second or args.annotations / "agreement"
    first, second = list(load(args.annotations)), list(load(second_dir))
    report = agreement(first, second)
    md = markdown(report, sorted({s.annotator for s in second}))
    objects = object_agreement(first, second_dir / "objects" / "second-reading.jsonl")
    md += objects_markdown(objects)
    if objects:
        report = {**report, "objects": objects}
    print(md, end="")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "agreement.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / "agreement.md").write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
