"""Grouped-by-document cross-validation of the tagger on the hand labels, beside baselines; agreement across
the language versions of parallel texts.

Figures, overall and per slice (language zh/en/ru; genre news/speech/analysis; annotation scope):
state-attribution F1; dimension micro/macro-F1 (end to end); stance macro-F1, per-class F1, ordinal MAE
and confusion matrix (given the gold state and dimension); expected calibration error of the stance
probabilities and of the attribution probabilities. Systems computed in the same run: the model (n-grams,
sentence vectors and shared counts), the n-gram model without the encoder (the previous model, the
baseline), the encoder model without n-grams (the ablation), the majority class and the codebook lexicon
rules alone.

Parallel agreement: a model trained on all the spans tags each language version of the UN parallel
texts (`corpora/parallel/unpc-dev.jsonl`, a copy of the shared file); for every pair of languages where at
least one version is tagged, the Jaccard index of the two tag sets — on states, on (state, dimension) and on (state,
dimension, stance) — averaged.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import GroupKFold

from pipeline.codebook import DIMENSIONS, SCO, STANCE_VALUE, STANCES
from pipeline.config import BUNDLED_CORPUS
from pipeline.ingest.clean import to_simplified
from pipeline.tagging.annotations import Label, Span, is_held_out, scope
from pipeline.tagging.features.cues import cue_counts, rule_stance
from pipeline.tagging.metrics import f1
from pipeline.tagging.tagger import Tagger, TagInput, candidates, parse_home

# The systems of an evaluation: the model and its two ablations (Tagger parameters), then the baselines.
SYSTEMS = {"model": {"features": "both"}, "ngrams": {"features": "ngrams"}, "encoder": {"features": "encoder"}}
BASELINES = ("majority", "rules")
# Channel One items are typed `article` in their manifest but are news leads.
NEWS_SOURCES = ("1tv-news",)


def genre(span: Span) -> str:
    """news (transcripts and news sources), speech, or analysis (other articles)."""
    if span.doc_type == "speech":
        return "speech"
    if span.doc_type == "transcript" or span.source.startswith(NEWS_SOURCES):
        return "news"
    return "analysis" if span.doc_type in ("article", "") else span.doc_type or "analysis"


def slices(span: Span) -> list[str]:
    return ["all", span.lang, genre(span), scope(span)]


SLICES = ("all", "zh", "en", "ru", "news", "speech", "analysis", "sco-frame", "member-relations")


def document_relevant(span: Span) -> bool | None:
    """Whether the span's document is about the SCO, as the ingest decides it (its first line names the SCO, or
    the SCO is named at least three times); None when the document is not in the bundled corpus."""
    from pipeline.ingest.relevance import SCO_TERMS, mentions_sco
    from pipeline.tagging.annotations import _doc_text

    text = _doc_text(span.source, span.doc_id)
    if text is None or span.lang not in SCO_TERMS:
        return None
    return mentions_sco(text.split("\n", 1)[0], span.lang) or len(SCO_TERMS[span.lang].findall(text)) >= 3


def to_input(span: Span) -> TagInput:
    text = to_simplified(span.text) if span.lang == "zh" else span.text
    year = int(span.date[:4]) if span.date[:4].isdigit() else None
    return TagInput(id=f"{span.doc_id}:{span.start}-{span.end}", text=text, lang=span.lang,
                    doc_type=span.doc_type or None, speaker_state=span.speaker_state or None, year=year,
                    relevant=document_relevant(span))


@dataclass
class Predicted:
    states: set[str]
    dims: set[tuple[str, str]]
    stances: dict[tuple[str, str], str]  # for the gold (state, dimension) pairs
    probs: dict[tuple[str, str], dict[str, float]]
    objects: dict[str, set[str]] = field(default_factory=dict)  # for the gold states: whom the stance is about
    dyadic: set[tuple[str, str, str]] = field(default_factory=set)  # end to end: (state, member object, dimension)


def predict_model(tagger: Tagger, inputs, labels) -> list[Predicted]:
    tags = tagger.predict(inputs)
    wanted = [(i, lab.state, lab.dimension) for i, labs in enumerate(labels) for lab in labs]
    stance_probs = tagger.stance_given(inputs, wanted)
    objects = tagger.objects_given(inputs, sorted({(i, lab.state) for i, labs in enumerate(labels) for lab in labs}))
    out = []
    for i, ts in enumerate(tags):
        probs = {(s, d): p for (j, s, d), p in stance_probs.items() if j == i}
        out.append(Predicted(states={t.state for t in ts}, dims={(t.state, t.dimension) for t in ts},
                             stances={k: max(p, key=p.get) for k, p in probs.items()}, probs=probs,
                             objects={s: set(o) for (j, s), o in objects.items() if j == i},
                             dyadic={(t.state, t.object, t.dimension) for t in ts if t.object != SCO}))
    return out


def predict_majority(train_labels: list[list[Label]], inputs, labels, home: str = "zh:CHN") -> list[Predicted]:
    dims = Counter(lab.dimension for labs in train_labels for lab in labs)
    stances = Counter(lab.stance for labs in train_labels for lab in labs)
    top_dim, top_stance = dims.most_common(1)[0][0], stances.most_common(1)[0][0]
    out = []
    for inp, labs in zip(inputs, labels, strict=True):
        states = set(candidates(inp, parse_home(home)))
        out.append(Predicted(states=states, dims={(s, top_dim) for s in states},
                             stances={(lab.state, lab.dimension): top_stance for lab in labs}, probs={},
                             objects={lab.state: {SCO} for lab in labs}))
    return out


def predict_rules(inputs, labels, home: str = "zh:CHN") -> list[Predicted]:
    out = []
    for inp, labs in zip(inputs, labels, strict=True):
        states = set(candidates(inp, parse_home(home)))
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
    obj_pairs = obj_exact = o_tp = o_fp = o_fn = y_tp = y_fp = y_fn = 0
    for p, labs in zip(preds, labels, strict=True):
        gold_objects: dict[str, set[str]] = {}
        for lab in labs:
            gold_objects.setdefault(lab.state, set()).add(lab.object)
        for state, gold_o in gold_objects.items():
            got = p.objects.get(state, {SCO})
            obj_pairs += 1
            obj_exact += got == gold_o
            o_tp, o_fp, o_fn = o_tp + len(got & gold_o), o_fp + len(got - gold_o), o_fn + len(gold_o - got)
        gold_dyadic = {(lab.state, lab.object, lab.dimension) for lab in labs if lab.object != SCO}
        y_tp, y_fp, y_fn = y_tp + len(p.dyadic & gold_dyadic), y_fp + len(p.dyadic - gold_dyadic), \
            y_fn + len(gold_dyadic - p.dyadic)
        # one stance per (state, dimension): the label towards the SCO where there are two
        labs = list({(lab.state, lab.dimension): lab for lab in sorted(labs, key=lambda x: x.object == SCO)}
                    .values())
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
        # codebook §3a, given the gold states: the share of (span, state) whose object set is exactly the
        # gold's, and F1 over (span, state, object); end to end, F1 of the tags towards another member
        "object_pairs": obj_pairs,
        "object_accuracy": round(obj_exact / obj_pairs, 4) if obj_pairs else None,
        "object_f1": round(f1(o_tp, o_fp, o_fn), 4) if obj_pairs else None,
        "dyadic_labels": y_tp + y_fn,
        "dyadic_f1": round(f1(y_tp, y_fp, y_fn), 4) if (y_tp + y_fn + y_fp) else None,
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
                   fold_thresholds: list | None = None, systems: dict[str, dict] | None = None) -> dict:
    """Grouped k-fold by document; returns the report (per slice: overall, language, genre and annotation
    scope) for the model, its ablations and the baselines. Thresholds are tuned inside each training fold;
    the model's (attribution, dimension) choice of each fold is appended to `fold_thresholds` when given.
    `systems`: name -> Tagger parameters (default SYSTEMS; with `tagger`, that tagger alone as "model")."""
    inputs = [to_input(s) for s in spans]
    labels = [s.labels for s in spans]
    groups = [s.doc_id for s in spans]
    base = tagger or Tagger()
    systems = {"model": {}} if tagger is not None else (systems or SYSTEMS)
    names = list(systems) + list(BASELINES)
    preds: dict[str, list[Predicted | None]] = {k: [None] * len(spans) for k in names}
    attribution: dict[str, list] = {k: [] for k in systems}
    chosen: dict[str, list] = {k: [] for k in systems}
    for train, test in GroupKFold(n_splits=folds).split(inputs, groups=groups):
        t_in, t_lab = [inputs[i] for i in test], [labels[i] for i in test]
        for name, params in systems.items():
            model = base.__class__(**{**base.get_params(), **params})
            model.fit([inputs[i] for i in train], [labels[i] for i in train], groups=[groups[i] for i in train])
            chosen[name].append({"attribution": model.thresholds_[0], "dimension": model.thresholds_[1],
                                 "gate": model.gate_threshold_,
                                 "per_language": {k: list(v) for k, v in model.lang_thresholds_.items()}})
            if name == "model" and fold_thresholds is not None:
                fold_thresholds.append(list(model.thresholds_))
            for i, p in zip(test, predict_model(model, t_in, t_lab), strict=True):
                preds[name][i] = p
            attribution[name] += attribution_points(model, t_in, t_lab)
        for name, got in (("majority", predict_majority([labels[i] for i in train], t_in, t_lab, base.home)),
                          ("rules", predict_rules(t_in, t_lab, base.home))):
            for i, p in zip(test, got, strict=True):
                preds[name][i] = p
        if progress:
            progress(1)
    report: dict = {}
    for sl in SLICES:
        idx = [i for i, s in enumerate(spans) if sl in slices(s)]
        if not idx:
            continue
        report[sl] = {name: score([ps[i] for i in idx], [labels[i] for i in idx]) for name, ps in preds.items()}
    report["calibration"] = {name: calibration(points, chosen[name]) for name, points in attribution.items()}
    return report


def attribution_points(tagger: Tagger, inputs: list[TagInput], labels: list[list[Label]]) -> list[tuple]:
    """(language, attribution probability, whether the gold labels the pair) for every candidate pair."""
    keys, p = tagger.attribution_proba(inputs)
    return [(inputs[i].lang, float(q), any(lab.state == s for lab in labels[i])) for (i, s), q in zip(keys, p,
                                                                                                      strict=True)]


def calibration(points: list[tuple], thresholds: list[dict]) -> dict:
    """Per language: the expected calibration error of the attribution probabilities, the rate of tagged
    pairs against the gold rate, and the thresholds each fold chose for that language."""
    out = {}
    for lang in ("all", "zh", "en", "ru"):
        sel = [(q, y) for lg, q, y in points if lang in ("all", lg)]
        if not sel:
            continue
        out[lang] = {"pairs": len(sel), "attribution_ece": _ece([q for q, _ in sel], [y for _, y in sel]),
                     "mean_probability": round(float(np.mean([q for q, _ in sel])), 4),
                     "gold_rate": round(float(np.mean([y for _, y in sel])), 4),
                     "thresholds": [t["per_language"].get(lang, [t["attribution"], t["dimension"]])
                                    for t in thresholds]}
    return out


# -- agreement across languages on parallel texts --------------------------------------------------------

PARALLEL_NAME = Path("parallel") / "unpc-dev.jsonl"


def parallel_file(corpus: Path = BUNDLED_CORPUS) -> Path | None:
    """The parallel texts: in the corpus folder (`corpora/parallel/`), else the project's shared folder."""
    for path in (corpus / PARALLEL_NAME, corpus.resolve().parent.parent / "shared" / PARALLEL_NAME):
        if path.exists():
            return path
    return None


def load_parallel(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def held_out_overlap(texts: list[dict], corpus: Path = BUNDLED_CORPUS, langs=("zh", "en", "ru")) -> list[str]:
    """Ids of parallel texts found (verbatim, any language) in a held-out document of the corpus: must be none,
    as evaluation data may not come from the held-out set."""
    found = []
    held = [p for p in sorted(corpus.glob("*/*.txt")) if is_held_out(p.stem)]
    bodies = [p.read_text(encoding="utf-8", errors="replace") for p in held]
    for t in texts:
        if any(len(t[lang]) > 20 and t[lang] in body for lang in langs for body in bodies):
            found.append(t["id"])
    return found


def parallel_agreement(tagger: Tagger, texts: list[dict], langs=("zh", "en", "ru")) -> dict:
    """Mean Jaccard agreement over language pairs (where at least one version is tagged) of the tag sets of
    the language versions of each text, on states, (state, dimension) and (state, dimension, stance); and
    how many versions each language tagged."""
    from pipeline.tagging.apply import parse_record

    tags, probs = {}, {}
    for lang in langs:
        inputs = [parse_record(json.dumps({"id": t["id"], "text": t[lang], "lang": lang}, ensure_ascii=False))[1]
                  for t in texts]
        tags[lang] = tagger.predict(inputs)
        if hasattr(tagger, "attribution_proba"):
            keys, p = tagger.attribution_proba(inputs)
            probs[lang] = dict(zip(keys, map(float, p), strict=True))
    levels = {"states": lambda ts: {t.state for t in ts},
              "state_dimension": lambda ts: {(t.state, t.dimension) for t in ts},
              "state_dimension_stance": lambda ts: {(t.state, t.dimension, t.stance) for t in ts}}
    out: dict = {"texts": len(texts),
                 "tagged": {lang: sum(1 for ts in tags[lang] if ts) for lang in langs},
                 "tags": {lang: sum(len(ts) for ts in tags[lang]) for lang in langs}}
    for level, key in levels.items():
        values = []
        for n in range(len(texts)):
            for a, b in combinations(langs, 2):
                x, y = key(tags[a][n]), key(tags[b][n])
                if x or y:
                    values.append(len(x & y) / len(x | y))
        out[level] = round(float(np.mean(values)), 4) if values else None
        out[f"{level}_pairs"] = len(values)
    if probs:  # how far apart the reader's attribution probabilities are, whatever the thresholds
        diffs = [abs(probs[a][k] - probs[b][k]) for a, b in combinations(langs, 2) for k in probs[a] if k in probs[b]]
        out["attribution_probability_gap"] = round(float(np.mean(diffs)), 4) if diffs else None
        out["candidate_pairs_compared"] = len(diffs)
    return out
