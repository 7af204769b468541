"""Train and evaluate the tagger on the project's annotations."""

from __future__ import annotations

from pathlib import Path

from pipeline.config import BUNDLED_CORPUS
from pipeline.errors import ScotrackError
from pipeline.tagging.annotations import ANNOTATIONS, Span, is_held_out, load, problems
from pipeline.tagging.evaluate import cross_validate, to_input
from pipeline.tagging.tagger import Tagger


def training_spans(folder: Path = ANNOTATIONS, corpus: Path = BUNDLED_CORPUS) -> list[Span]:
    """All annotation spans of `folder`, checked against the documents of `corpus`; held-out documents can
    never get in."""
    spans = list(load(folder))
    found = problems(spans, corpus)
    if found:
        raise ScotrackError(f"{len(found)} problems in the annotations, first: {found[0]} "
                            f"(python -m pipeline.tagging.annotations lists them)")
    spans = [s for s in spans if not is_held_out(s.doc_id)]
    if not spans:
        raise ScotrackError(f"no annotations in {folder}")
    return spans


def train(spans: list[Span], **params) -> Tagger:
    return Tagger(**params).fit([to_input(s) for s in spans], [s.labels for s in spans],
                                groups=[s.doc_id for s in spans])


def evaluate(spans: list[Span], folds: int = 5, progress=None, fold_thresholds: list | None = None) -> dict:
    return cross_validate(spans, folds=folds, progress=progress, fold_thresholds=fold_thresholds)


def report_markdown(report: dict, header: str = "") -> str:
    lines = [header] if header else []
    lines += ["| language | system | state F1 | dim micro-F1 | dim macro-F1 | stance macro-F1 | stance MAE | ECE |",
              "|---|---|---|---|---|---|---|---|"]
    for lang, systems in report.items():
        for name, r in systems.items():
            lines.append(f"| {lang} | {name} | {r['state_f1']} | {r['dimension_micro_f1']} | "
                         f"{r['dimension_macro_f1']} | {r['stance_macro_f1']} | {r['stance_ordinal_mae']} | "
                         f"{r['stance_ece'] if r['stance_ece'] is not None else '–'} |")
    lines += ["", "Per-class stance F1 (support), model vs rules vs majority, all languages:", "",
              "| stance | support | model | rules | majority |", "|---|---|---|---|---|"]
    allr = report["all"]
    for c, n in sorted(allr["model"]["stance_support"].items(), key=lambda x: -x[1]):
        cells = [str(allr[system]["stance_f1"].get(c, "–")) for system in ("model", "rules", "majority")]
        lines.append(f"| {c} | {n} | " + " | ".join(cells) + " |")
    cm = allr["model"]["stance_confusion"]
    lines += ["", "Stance confusion matrix (model, rows = gold, columns = predicted):", "",
              "| gold \\ predicted | " + " | ".join(cm["labels"]) + " |", "|---" * (len(cm["labels"]) + 1) + "|"]
    for lab, row in zip(cm["labels"], cm["matrix"], strict=True):
        lines.append(f"| {lab} | " + " | ".join(map(str, row)) + " |")
    return "\n".join(lines) + "\n"
