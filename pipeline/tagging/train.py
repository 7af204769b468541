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


def evaluate(spans: list[Span], folds: int = 5, progress=None, fold_thresholds: list | None = None,
             parallel: Path | None = None) -> dict:
    """The cross-validation report (`evaluate.cross_validate`: the model, its ablations and the baselines, per
    slice, with calibration per language), and under "parallel" the agreement across the language versions of
    the parallel texts of a model of each system trained on all the spans."""
    from pipeline.tagging.evaluate import SYSTEMS, held_out_overlap, load_parallel, parallel_agreement, parallel_file

    report = cross_validate(spans, folds=folds, progress=progress, fold_thresholds=fold_thresholds)
    path = parallel or parallel_file()
    if path is not None and path.exists():
        texts = load_parallel(path)
        overlap = held_out_overlap(texts)
        if overlap:
            raise ScotrackError(f"{len(overlap)} parallel texts come from held-out corpus documents, first: "
                                f"{overlap[0]}")
        report["parallel"] = {"file": path.name, "texts": len(texts), "held_out_overlap": 0,
                              "systems": {name: parallel_agreement(train(spans, **params), texts)
                                          for name, params in SYSTEMS.items()}}
    return report


def _cell(value) -> str:
    return "–" if value is None else str(value)


SYSTEM_NAMES = {"model": "model (n-grams + encoder)", "ngrams": "n-grams only (no encoder)",
                "encoder": "encoder only", "rules": "lexicon rules", "majority": "majority class"}


def report_markdown(report: dict, header: str = "") -> str:
    lines = [header] if header else []
    lines += ["Slices: language; genre (news: CCTV transcripts and Channel One; speech: UN General Debate and Xi "
              "speeches; analysis: other articles); annotation scope.", "",
              "| slice | system | spans | state F1 | dim micro-F1 | dim macro-F1 | stance macro-F1 | stance MAE | "
              "stance ECE |", "|---|---|---|---|---|---|---|---|---|"]
    for sl, systems in report.items():
        if sl in ("calibration", "parallel"):
            continue
        shown = systems if sl == "all" else {k: v for k, v in systems.items() if k in ("model", "ngrams", "encoder")}
        for name, r in shown.items():
            lines.append(f"| {sl} | {SYSTEM_NAMES.get(name, name)} | {r['n_spans']} | {r['state_f1']} | "
                         f"{r['dimension_micro_f1']} | {r['dimension_macro_f1']} | {_cell(r['stance_macro_f1'])} | "
                         f"{_cell(r['stance_ordinal_mae'])} | {_cell(r['stance_ece'])} |")
    lines += ["", "Whom a stance is about (codebook §3a), given the gold states: object accuracy (the (span, state) "
              "pairs whose set of objects is exactly the gold's), object F1 over (span, state, object); end to end, "
              "F1 of the tags towards another member (dyadic). The majority baseline reads every stance as about "
              "the SCO.", "",
              "| slice | system | (span, state) pairs | object accuracy | object F1 | dyadic labels | dyadic F1 |",
              "|---|---|---|---|---|---|---|"]
    for sl, systems in report.items():
        if sl in ("calibration", "parallel"):
            continue
        for name in ("model", "majority"):
            r = systems.get(name)
            if r and r.get("object_pairs"):
                lines.append(f"| {sl} | {SYSTEM_NAMES.get(name, name)} | {r['object_pairs']} | "
                             f"{_cell(r['object_accuracy'])} | {_cell(r['object_f1'])} | {r['dyadic_labels']} | "
                             f"{_cell(r['dyadic_f1'])} |")
    allr = report["all"]
    lines += ["", "Per-class stance F1 (support), all languages:", "",
              "| stance | support | " + " | ".join(SYSTEM_NAMES.get(k, k) for k in allr) + " |",
              "|---|---|" + "---|" * len(allr)]
    for c, n in sorted(allr["model"]["stance_support"].items(), key=lambda x: -x[1]):
        lines.append(f"| {c} | {n} | " + " | ".join(str(allr[k]["stance_f1"].get(c, "–")) for k in allr) + " |")
    cm = allr["model"]["stance_confusion"]
    lines += ["", "Stance confusion matrix (model, rows = gold, columns = predicted):", "",
              "| gold \\ predicted | " + " | ".join(cm["labels"]) + " |", "|---" * (len(cm["labels"]) + 1) + "|"]
    for lab, row in zip(cm["labels"], cm["matrix"], strict=True):
        lines.append(f"| {lab} | " + " | ".join(map(str, row)) + " |")
    calib = report.get("calibration", {}).get("model")
    if calib:
        lines += ["", "Calibration per language (model): attribution probabilities of every candidate pair "
                  "against the gold, and the (attribution, dimension) thresholds each fold chose for the "
                  "language:", "", "| language | pairs | attribution ECE | mean probability | gold rate | "
                  "thresholds per fold |", "|---|---|---|---|---|---|"]
        for lang, c in calib.items():
            lines.append(f"| {lang} | {c['pairs']} | {c['attribution_ece']} | {c['mean_probability']} | "
                         f"{c['gold_rate']} | " + ", ".join(f"{a:g}/{d:g}" for a, d in c["thresholds"]) + " |")
    par = report.get("parallel")
    if par:
        lines += ["", f"Agreement across languages on {par['texts']} parallel UN texts ({par['file']}; none from a "
                  "held-out document): mean Jaccard over language pairs where at least one version is tagged, "
                  "of a model trained on all the spans.", "",
                  "| system | states | (state, dimension) | (state, dimension, stance) | language pairs | "
                  "versions tagged (zh / en / ru) | tags (zh / en / ru) | attribution probability gap |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, r in par["systems"].items():
            lines.append(f"| {SYSTEM_NAMES.get(name, name)} | {_cell(r['states'])} | {_cell(r['state_dimension'])} | "
                         f"{_cell(r['state_dimension_stance'])} | {r['states_pairs']} | "
                         f"{' / '.join(str(r['tagged'][k]) for k in ('zh', 'en', 'ru'))} | "
                         f"{' / '.join(str(r['tags'][k]) for k in ('zh', 'en', 'ru'))} | "
                         f"{_cell(r.get('attribution_probability_gap'))} |")
        lines += ["", "The probability gap is the mean absolute difference, over language pairs, of the attribution "
                  "probabilities of the candidate pairs two versions share: how differently the reader weighs one "
                  "text in two languages, whatever the thresholds."]
    return "\n".join(lines) + "\n"
