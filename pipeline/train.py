"""Train and evaluate the tagger on the project's annotations, and apply it to new text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import models
from .annotations import ANNOTATIONS, Span, is_held_out, load, problems
from .classify import Tagger, TagInput
from .clean import to_simplified
from .errors import ScotrackError
from .evaluate import cross_validate, to_input
from .states import MEMBERS


def training_spans(folder: Path = ANNOTATIONS) -> list[Span]:
    """All annotation spans, checked; held-out documents can never get in."""
    spans = list(load(folder))
    found = problems(spans)
    if found:
        raise ScotrackError(f"{len(found)} problems in the annotations, first: {found[0]} "
                            f"(python -m pipeline.annotations lists them)")
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


def parse_record(line: str) -> tuple[str | None, TagInput]:
    """One classify input line → TagInput; raises ValueError with a one-line reason."""
    from .ingest import check_date
    from .langid import SUPPORTED, detect_lang

    try:
        r = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(r, dict):
        raise ValueError("not a JSON object")
    rid = r.get("id")
    text = r.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("missing or empty 'text'")
    lang = r.get("lang") or detect_lang(text)
    if lang not in SUPPORTED:
        raise ValueError(f"unsupported language {lang!r} (zh, en, ru)")
    speaker = r.get("speaker_state")
    if speaker and speaker not in MEMBERS and not (isinstance(speaker, str) and len(speaker) == 3):
        raise ValueError(f"invalid speaker_state {speaker!r}")
    try:
        date = check_date(r.get("date"))
    except Exception as exc:
        raise ValueError(str(exc)) from None
    return rid, TagInput(id=str(rid), text=to_simplified(text) if lang == "zh" else text, lang=lang,
                         doc_type=r.get("doc_type"), speaker_state=speaker,
                         year=int(date[:4]) if date else None)


def classify_lines(lines: Iterable[str], tagger: Tagger, batch: int = 256) -> Iterator[dict]:
    """One output record per non-blank input line, in order; bad lines give {'id', 'error'}."""
    pending: list[tuple[str | None, TagInput | None, str | None]] = []

    def flush():
        good = [(i, t) for i, (_, t, _) in enumerate(pending) if t is not None]
        tags = tagger.predict([t for _, t in good]) if good else []
        by_pos = {i: ts for (i, _), ts in zip(good, tags, strict=True)}
        for i, (rid, _, err) in enumerate(pending):
            yield {"id": rid, "error": err, "tags": []} if err else \
                {"id": rid, "tags": [t.as_dict() for t in by_pos[i]]}
        pending.clear()

    for line in lines:
        if not line.strip():
            continue
        try:
            rid, inp = parse_record(line)
            pending.append((rid, inp, None))
        except ValueError as exc:
            rid = None
            try:
                obj = json.loads(line)
                rid = obj.get("id") if isinstance(obj, dict) else None
            except json.JSONDecodeError:
                pass
            pending.append((rid, None, str(exc)))
        if len(pending) >= batch:
            yield from flush()
    yield from flush()


def load_tagger(folder: Path | None = None) -> tuple[Tagger, dict]:
    return models.load(folder or models.MODELS)
