"""Agreement between two independent readings of the same spans (inter-annotator agreement).

The first reading is the annotation set (`corpora/annotations/*.jsonl`); the second is a blind re-reading
of a sample of its spans (`corpora/annotations/agreement/*.jsonl`, same record format). Spans are matched by
(doc_id, start, end). Reported on the three levels the tagger is evaluated on, so the two can be read side
by side: which states a span is about (F1 between the readings), which (state, dimension) pairs (F1), and
the stance of pairs both readings labelled (raw agreement, Cohen's kappa, and linearly weighted kappa on
the ordinal scale for pairs where both gave a stance other than none).

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
    print(md, end="")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "agreement.json").write_text(json.dumps(report, indent=1) + "\n")
    (args.out / "agreement.md").write_text(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
