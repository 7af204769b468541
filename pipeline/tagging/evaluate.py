"""Grouped-by-document cross-validation of the tagger on the hand labels, beside two baselines.

Figures, per language and overall: state-attribution F1; dimension micro/macro-F1 (end to end);
stance macro-F1, per-class F1, ordinal MAE and confusion matrix (given the gold state and dimension);
expected calibration error of the stance probabilities. Baselines computed in the same run: the
majority class, and the codebook lexicon rules alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import GroupKFold

from pipeline.codebook import DIMENSIONS, STANCE_VALUE, STANCES
from pipeline.ingest.clean import to_simplified
from pipeline.tagging.annotations import Label, Span, scope
from pipeline.tagging.features.cues import cue_counts, rule_stance
from pipeline.tagging.metrics import f1
from pipeline.tagging.tagger import Tagger, TagInput, candidates, pair_frame


def to_input(span: Span) -> TagInput:
    text = to_simplified(span.text) if span.lang == "zh" else span.text
    year = int(span.date[:4]) if span.date[:4].isdigit() else None
    return TagInput(id=f"{span.doc_id}:{span.start}-{span.end}", text=text, lang=span.lang,
                    doc_type=span.doc_type or None, speaker_state=span.speaker_state or None, year=year)


@dataclass
class Predicted:
    states: set[str]
    dims: set[tuple[str, str]]
    stances: dict[tuple[str, str], str]  # for the gold (state, dimension) pairs
    probs: dict[tuple[str, str], dict[str, float]]


def _stance_given_gold(tagger: Tagger, inputs: list[TagInput], labels: list[list[Label]]):
    """Stance predictions for the gold (state, dimension) pairs, upstream models bypassed."""
    keys, X = pair_frame(inputs, tagger.home)
    index = {k: n for n, k in enumerate(keys)}
    rows, where = [], []
    for i, labs in enumerate(labels):
        for lab in labs:
            n = index.get((i, lab.state))
            if n is None:
                continue
            rows.append({**X.iloc[n].to_dict(), "dimension": lab.dimension})
            where.append((i, lab.state, lab.dimension))
    if not rows:
        return {}
    import pandas as pd

    frame = pd.DataFrame(rows)
    classes, P = tagger.stance_proba(frame.drop(columns="dimension"), list(frame["dimension"]))
    return {w: dict(zip(classes, map(float, p), strict=True)) for w, p in zip(where, P, strict=True)}


def predict_model(tagger: Tagger, inputs, labels) -> list[Predicted]:
    tags = tagger.predict(inputs)
    stance_probs = _stance_given_gold(tagger, inputs, labels)
    out = []
    for i, ts in enumerate(tags):
        probs = {(s, d): p for (j, s, d), p in stance_probs.items() if j == i}
        out.append(Predicted(states={t.state for t in ts}, dims={(t.state, t.dimension) for t in ts},
                             stances={k: max(p, key=p.get) for k, p in probs.items()}, probs=probs))
    return out


def predict_majority(train_labels: list[list[Label]], inputs, labels) -> list[Predicted]:
    dims = Counter(lab.dimension for labs in train_labels for lab in labs)
    stances = Counter(lab.stance for labs in train_labels for lab in labs)
    top_dim, top_stance = dims.most_common(1)[0][0], stances.most_common(1)[0][0]
    out = []
    for inp, labs in zip(inputs, labels, strict=True):
        states = set(candidates(inp))
        out.append(Predicted(states=states, dims={(s, top_dim) for s in states},
                             stances={(lab.state, lab.dimension): top_stance for lab in labs}, probs={}))
    return out


def predict_rules(inputs, labels) -> list[Predicted]:
    out = []
    for inp, labs in zip(inputs, labels, strict=True):
        states = set(candidates(inp))
        counts = cue_counts(inp.text, inp.lang, table="dimension")
        dims = [d for d in DIMENSIONS if counts[d]] or ["policy"]
        stance = rule_stance(inp.text, inp.lang)
        out.append(Predicted(states=states, dims={(s, d) for s in states for d in dims},
                             stances={(lab.state, lab.dimension): stance for lab in labs}, probs={}))
    return out


def score(preds: list[Predicted], labels: list[list[Label]]) -> dict:
    s_tp = s_fp = s_fn = 0
    d_counts = {d: [0, 0, 0] for d in DIMENSIONS}
    y_true, y_pred, conf, correct = [], [], [], []
    for p, labs in zip(preds, labels, strict=True):
        gold_states = {lab.state for lab in labs}
        s_tp += len(p.states & gold_states)
        s_fp += len(p.states - gold_states)
        s_fn += len(gold_states - p.states)
        gold_dims = {(lab.state, lab.dimension) for lab in labs}
        for d in DIMENSIONS:
            g = {x for x in gold_dims if x[1] == d}
            q = {x for x in p.dims if x[1] == d}
            d_counts[d][0] += len(g & q)
            d_counts[d][1] += len(q - g)
            d_counts[d][2] += len(g - q)
        for lab in labs:
            key = (lab.state, lab.dimension)
            if key in p.stances:
                y_true.append(lab.stance)
                y_pred.append(p.stances[key])
                if key in p.probs:
                    conf.append(max(p.probs[key].values()))
                    correct.append(p.stances[key] == lab.stance)
            else:  # the state was not a candidate: counts as a miss
                y_true.append(lab.stance)
                y_pred.append("missed")
    tp, fp, fn = (sum(c[k] for c in d_counts.values()) for k in range(3))
    present = [c for c in STANCES if c in y_true]
    ordinal = [(STANCE_VALUE[t], STANCE_VALUE[q]) for t, q in zip(y_true, y_pred, strict=True)
               if STANCE_VALUE.get(t) is not None and STANCE_VALUE.get(q) is not None]
    return {
        "n_spans": len(labels), "n_labels": len(y_true),
        "state_f1": round(f1(s_tp, s_fp, s_fn), 4),
        "dimension_micro_f1": round(f1(tp, fp, fn), 4),
        "dimension_macro_f1": round(float(np.mean([f1(*d_counts[d]) for d in DIMENSIONS])), 4),
        "dimension_f1": {d: round(f1(*d_counts[d]), 4) for d in DIMENSIONS},
        "stance_macro_f1": round(float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
                                 4) if y_true else None,
        "stance_f1": {c: round(float(f1_score(y_true, y_pred, labels=[c], average="macro", zero_division=0)), 4)
                      for c in present},
        "stance_support": dict(Counter(y_true)),
        "stance_ordinal_mae": round(float(np.mean([abs(a - b) for a, b in ordinal])), 4) if ordinal else None,
        "stance_confusion": {"labels": list(STANCES) + ["missed"],
                             "matrix": confusion_matrix(y_true, y_pred, labels=list(STANCES) + ["missed"])
                             .tolist()} if y_true else None,
        "stance_ece": _ece(conf, correct),
    }


def _ece(conf: list[float], correct: list[bool], bins: int = 10) -> float | None:
    if not conf:
        return None
    conf_a, corr_a = np.asarray(conf), np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        sel = (conf_a > lo) & (conf_a <= hi)
        if sel.any():
            total += sel.mean() * abs(conf_a[sel].mean() - corr_a[sel].mean())
    return round(float(total), 4)


def cross_validate(spans: list[Span], folds: int = 5, tagger: Tagger | None = None, progress=None,
                   fold_thresholds: list | None = None) -> dict:
    """Grouped k-fold by document; returns the report (overall, per language and per annotation scope) for
    the model and the baselines. The model's thresholds are tuned inside each training fold; each fold's
    choice is appended to `fold_thresholds` when given."""
    inputs = [to_input(s) for s in spans]
    labels = [s.labels for s in spans]
    groups = [s.doc_id for s in spans]
    preds: dict[str, list[Predicted | None]] = {k: [None] * len(spans) for k in ("model", "majority", "rules")}
    for train, test in GroupKFold(n_splits=folds).split(inputs, groups=groups):
        model = (tagger or Tagger()).__class__(**(tagger or Tagger()).get_params())
        model.fit([inputs[i] for i in train], [labels[i] for i in train], groups=[groups[i] for i in train])
        if fold_thresholds is not None:
            fold_thresholds.append(list(model.thresholds_))
        t_in, t_lab = [inputs[i] for i in test], [labels[i] for i in test]
        for name, got in (("model", predict_model(model, t_in, t_lab)),
                          ("majority", predict_majority([labels[i] for i in train], t_in, t_lab)),
                          ("rules", predict_rules(t_in, t_lab))):
            for i, p in zip(test, got, strict=True):
                preds[name][i] = p
        if progress:
            progress(1)
    report: dict = defaultdict(dict)
    for lang in ("all", "zh", "en", "ru", "sco-frame", "member-relations"):
        idx = [i for i, s in enumerate(spans) if lang == "all" or lang in (s.lang, scope(s))]
        if not idx:
            continue
        for name, ps in preds.items():
            report[lang][name] = score([ps[i] for i in idx], [labels[i] for i in idx])
    return dict(report)
