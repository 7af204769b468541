"""Tag passages: which member states they are about, on which dimensions, with which stance.

Every (passage, state) pair is classified with the target state's mentions replaced by a marker and the
other states' mentions masked, so one passage about two states yields two different feature vectors.
Four scikit-learn pipelines share one feature set:

- attribution: is the pair tagged at all (does the passage say something about this state on a dimension)?
- dimension: one binary model per dimension, for attributed pairs;
- area: one multi-class model per dimension;
- stance: one model over (pair, dimension) with the dimension as a feature, so rare stances pool their
  evidence across dimensions; class-weighted, with codebook cue counts as features.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from .annotations import DIMENSIONS, STANCE_VALUE, Label
from .cues import STANCE_CUES, cue_counts
from .mentions import find_mentions
from .records import Mention
from .states import MEMBERS

# One-character markers, so that character n-grams across the marker ("Ⓣ 拒绝", "Ⓣ refused") tie
# cues to the target state and not to the others.
TARGET, OTHER = " Ⓣ ", " Ⓞ "
# Collective subjects: every member (in that year) is a candidate when a passage speaks of them all.
COLLECTIVE = {
    "zh": re.compile(r"各成员国|成员国元首|所有成员国|全体成员国|成员国领导人|成员国外长|成员国之间|八国|九国|十国"),
    "en": re.compile(r"member (?:states|countries|nations)|all (?:the )?members|SCO members|heads of state of the",
                     re.I),
    "ru": re.compile(r"государств[а-я]*-член|стран[а-я]* ШОС|стран[а-я]*-участниц|член[а-я]* ШОС|лидер[а-я]* ШОС",
                     re.I),
}
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"\w+|[ⓉⓄ]", re.U)


@dataclass
class TagInput:
    """What the tagger needs to know about a passage."""

    id: str
    text: str  # analysis form (Simplified Chinese for zh)
    lang: str
    doc_type: str | None = None
    speaker_state: str | None = None
    year: int | None = None
    mentions: list[Mention] | None = None  # precomputed (from the store); found here when None


@dataclass
class Tag:
    state: str
    dimension: str
    area: str
    stance: str
    confidence: float
    uncertain: bool
    probabilities: dict[str, float] = field(default_factory=dict)

    @property
    def score(self) -> int | None:
        return STANCE_VALUE[self.stance]

    def as_dict(self) -> dict:
        return {"state": self.state, "dimension": self.dimension, "area": self.area, "stance": self.stance,
                "score": self.score, "confidence": round(self.confidence, 4), "uncertain": self.uncertain}


def candidates(inp: TagInput) -> dict[str, list[Mention]]:
    """The member states a passage may be about: its mentions, the speaker, and collective subjects."""
    mentions = inp.mentions if inp.mentions is not None else find_mentions(
        inp.text, inp.lang, speaker_state=inp.speaker_state, doc_type=inp.doc_type, year=inp.year)
    out: dict[str, list[Mention]] = {}
    for m in mentions:
        out.setdefault(m.state, []).append(m)
    if inp.doc_type == "speech" and inp.speaker_state in MEMBERS:
        out.setdefault(inp.speaker_state, [])
    pattern = COLLECTIVE.get(inp.lang)
    if pattern is not None and pattern.search(inp.text):
        for code, state in MEMBERS.items():
            if inp.year is None or inp.year >= state.member_since or code in out:
                out.setdefault(code, [])
    return out


def mask(text: str, state: str, mentions: dict[str, list[Mention]]) -> str:
    spans = sorted(((m.start, m.end, m.state) for ms in mentions.values() for m in ms), reverse=True)
    for start, end, who in spans:
        text = text[:start] + (TARGET if who == state else OTHER) + text[end:]
    return text


def _window(masked: str, width: int = 60) -> str:
    """Text near the target marker (the whole text when the target is implicit, e.g. the speaker)."""
    idx = [m.start() for m in re.finditer(TARGET.strip(), masked)]
    if not idx:
        return masked
    return " … ".join(masked[max(0, i - width): i + width] for i in idx)


def analyze_words(text: str) -> list[str]:
    """Word tokens for the TF-IDF features: jieba for text with Chinese, else \\w+ words, lower-cased."""
    return list(_segment(text))


@lru_cache(maxsize=8192)
def _segment(text: str) -> tuple[str, ...]:
    # cached: the word and bigram features analyse the same pair text one after the other
    if _HAN.search(text):
        from .tokenise import init_jieba

        return tuple(w for w in init_jieba().lcut(text) if w.strip())
    return tuple(w.lower() for w in _WORD.findall(text))


def analyze_bigrams(text: str) -> list[str]:
    """Word bigrams (so "Ⓣ refused" and "Ⓞ refused" are different features)."""
    words = analyze_words(text)
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class CueFeatures(BaseEstimator, TransformerMixin):
    """Counts of codebook stance cues, in the whole text and near the target state."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        rows = []
        for text, near, lang in zip(X["masked"], X["near"], X["lang"], strict=True):
            whole, close = cue_counts(text, lang), cue_counts(near, lang)
            rows.append([np.log1p(whole[k]) for k in STANCE_CUES] + [np.log1p(close[k]) for k in STANCE_CUES])
        return np.asarray(rows, dtype=float)

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue_{w}_{k}" for w in ("all", "near") for k in STANCE_CUES], dtype=object)


def make_features(max_chars: int = 20000, max_near: int = 10000, max_words: int = 10000) -> ColumnTransformer:
    """The pair features: character n-grams of the masked passage and of the target's neighbourhood,
    words, codebook cue counts, and one-hot metadata."""
    return ColumnTransformer([
        ("chars", TfidfVectorizer(analyzer="char", ngram_range=(2, 4), min_df=2, sublinear_tf=True,
                                  max_features=max_chars, dtype=np.float32), "masked"),
        ("near", TfidfVectorizer(analyzer="char", ngram_range=(2, 4), min_df=2, sublinear_tf=True,
                                 max_features=max_near, dtype=np.float32), "near"),
        ("words", TfidfVectorizer(analyzer=analyze_words, min_df=2, sublinear_tf=True, max_features=max_words,
                                  dtype=np.float32), "masked"),
        ("bigrams", TfidfVectorizer(analyzer=analyze_bigrams, min_df=2, sublinear_tf=True, max_features=max_words,
                                    dtype=np.float32), "masked"),
        ("cues", CueFeatures(), ["masked", "near", "lang"]),
        ("meta", OneHotEncoder(handle_unknown="ignore"), ["lang", "doc_type", "how", "is_speaker", "n_states"]),
    ])


def make_model(C: float = 4.0) -> Pipeline:
    """One pair classifier as a plain scikit-learn pipeline (for cross_validate and grid searches)."""
    return Pipeline([("features", make_features()), ("clf", _classifier(C))])


def _classifier(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", max_iter=3000)


def pair_frame(inputs: list[TagInput]) -> tuple[list[tuple[int, str]], pd.DataFrame]:
    """One row per (passage, candidate state)."""
    keys, rows = [], []
    for i, inp in enumerate(inputs):
        cands = candidates(inp)
        for state, ms in cands.items():
            masked = mask(inp.text, state, cands)
            keys.append((i, state))
            rows.append({"masked": masked, "near": _window(masked), "lang": inp.lang,
                         "doc_type": inp.doc_type or "-",
                         "how": "+".join(sorted({m.how for m in ms})) or "implicit",
                         "is_speaker": str(state == inp.speaker_state), "n_states": str(min(len(cands), 4))})
    return keys, pd.DataFrame(rows, columns=["masked", "near", "lang", "doc_type", "how", "is_speaker",
                                             "n_states"])


class _Constant:
    """Stands in for a model when training data has one class only."""

    def __init__(self, label):
        self.classes_ = np.array([label])

    def predict_proba(self, X):
        return np.ones((X.shape[0], 1))


def _fit(C: float, X, y: list):
    if len(set(y)) < 2:
        return _Constant(y[0] if y else None)
    return _classifier(C).fit(X, y)


def _compact(features: ColumnTransformer) -> ColumnTransformer:
    for _, transformer, _ in features.transformers_:
        # The terms cut by min_df/max_features are only for introspection and bloat the saved model
        # (scikit-learn's own advice); numpy integer vocabulary values would each become an array file
        # in the skops archive.
        if hasattr(transformer, "stop_words_"):
            del transformer.stop_words_
        if hasattr(transformer, "vocabulary_"):
            transformer.vocabulary_ = {term: int(i) for term, i in transformer.vocabulary_.items()}
    return features


def _with_dimension(F, dims: list[str]):
    """Append a one-hot of the dimension to the pair features (for the pooled stance model)."""
    from scipy import sparse

    onehot = np.zeros((len(dims), len(DIMENSIONS)), dtype=np.float32)
    for r, d in enumerate(dims):
        onehot[r, list(DIMENSIONS).index(d)] = 1.0
    return sparse.hstack([F, sparse.csr_matrix(onehot)], format="csr")


def _proba(model, X: pd.DataFrame, label) -> np.ndarray:
    n = X.shape[0]
    if n == 0:
        return np.zeros(0)
    classes = list(model.classes_)
    if label not in classes:
        return np.zeros(n)
    return model.predict_proba(X)[:, classes.index(label)]


class Tagger(BaseEstimator):
    """The whole tagger; `fit(inputs, labels)` where labels[i] is the list of Labels of inputs[i]."""

    # Thresholds chosen on the grouped cross-validation of the annotations (no held-out data):
    # attribution 0.25 / dimension 0.35 gave state F1 0.808 against 0.757 at 0.5 / 0.5 (2026-11-26).
    def __init__(self, C: float = 4.0, attribution_threshold: float = 0.25, dimension_threshold: float = 0.35,
                 abstain_threshold: float = 0.5):
        self.C = C
        self.attribution_threshold = attribution_threshold
        self.dimension_threshold = dimension_threshold
        self.abstain_threshold = abstain_threshold

    def fit(self, inputs: list[TagInput], labels: list[list[Label]]) -> Tagger:
        keys, X = pair_frame(inputs)
        gold = [{(lab.state, lab.dimension): lab for lab in labs} for labs in labels]
        by_pair = [{d: gold[i].get((s, d)) for d in DIMENSIONS} for i, s in keys]
        y_attr = [any(v is not None for v in dims.values()) for dims in by_pair]
        self.features_ = _compact(make_features().fit(X))
        F = self.features_.transform(X)
        self.attribution_ = _fit(self.C, F, y_attr)
        pos = [k for k, a in enumerate(y_attr) if a]
        self.dimension_, self.area_ = {}, {}
        stance_rows, stance_dims, stance_y = [], [], []
        for d in DIMENSIONS:
            y_dim = [by_pair[k][d] is not None for k in pos]
            self.dimension_[d] = _fit(self.C, F[pos], y_dim)
            with_d = [pos[j] for j, has in enumerate(y_dim) if has]
            self.area_[d] = _fit(self.C, F[with_d], [by_pair[k][d].area for k in with_d])
            stance_rows += with_d
            stance_dims += [d] * len(with_d)
            stance_y += [by_pair[k][d].stance for k in with_d]
        self.stance_ = _fit(self.C, _with_dimension(F[stance_rows], stance_dims), stance_y)
        self.n_pairs_, self.n_labels_ = len(keys), len(stance_y)
        return self

    def stance_proba(self, X: pd.DataFrame, dims: list[str]) -> tuple[list[str], np.ndarray]:
        """Stance classes and their probabilities for pair rows `X` on dimensions `dims`."""
        F = _with_dimension(self.features_.transform(X), dims)
        return [str(c) for c in self.stance_.classes_], self.stance_.predict_proba(F)

    def predict(self, inputs: list[TagInput]) -> list[list[Tag]]:
        keys, X = pair_frame(inputs)
        out: list[list[Tag]] = [[] for _ in inputs]
        if not keys:
            return out
        F = self.features_.transform(X)
        p_attr = _proba(self.attribution_, F, True)
        keep = np.flatnonzero(p_attr >= self.attribution_threshold)
        if len(keep) == 0:
            return out
        Fk = F[keep]
        rows, dims, meta = [], [], []
        for d in DIMENSIONS:
            p_dim = _proba(self.dimension_[d], Fk, True)
            for j in np.flatnonzero(p_dim >= self.dimension_threshold):
                rows.append(j)
                dims.append(d)
                meta.append((keep[j], d, p_attr[keep[j]] * p_dim[j], j))
        if not rows:
            return out
        classes = [str(c) for c in self.stance_.classes_]
        P = self.stance_.predict_proba(_with_dimension(Fk[rows], dims))
        areas = {d: self.area_[d].predict_proba(Fk) for d in DIMENSIONS}
        for r, (k, d, p_pair, j) in enumerate(meta):
            i, state = keys[k]
            best = int(np.argmax(P[r]))
            area_model = self.area_[d]
            area = str(area_model.classes_[int(np.argmax(areas[d][j]))]) if area_model.classes_[0] is not None \
                else DIMENSIONS[d][0]
            confidence = float(p_pair * P[r][best])
            out[i].append(Tag(state=state, dimension=d, area=area, stance=classes[best], confidence=confidence,
                              uncertain=confidence < self.abstain_threshold,
                              probabilities={c: float(P[r][n]) for n, c in enumerate(classes)}))
        for tags in out:
            tags.sort(key=lambda t: (t.state, list(DIMENSIONS).index(t.dimension)))
        return out
