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
from itertools import accumulate

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from pipeline.codebook import DIMENSIONS, MEMBERS, STANCE_VALUE
from pipeline.ingest.mentions import find_mentions
from pipeline.records import Mention
from pipeline.tagging.annotations import Label
from pipeline.tagging.features.cues import STANCE_CUES, stance_cue_vector
from pipeline.tagging.features.ngrams import CharNgramTfidf
from pipeline.tagging.metrics import set_f1

# Bumped whenever the features a model was fitted on change meaning, so an old model file is refused
# with a clear message (2: vectorised character n-grams, words segmented once per passage; 3: passage cue
# counts computed once per passage; 4: one plain cue alternation, the longest cue wins).
FEATURES_VERSION = 4
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
    tokens: list[str] | None = None  # word tokens of `text` (from the store); segmented here when None


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


def candidates(inp: TagInput, home: dict[str, str] | None = None) -> dict[str, list[Mention]]:
    """The member states a passage may be about: its mentions, the speaker, collective subjects, and (with
    `home`, a language -> state map) the implicit home state of a language's media, e.g. China for CCTV
    items that report a Chinese minister at an SCO meeting without naming China."""
    mentions = inp.mentions if inp.mentions is not None else find_mentions(
        inp.text, inp.lang, speaker_state=inp.speaker_state, doc_type=inp.doc_type, year=inp.year)
    out: dict[str, list[Mention]] = {}
    for m in mentions:
        out.setdefault(m.state, []).append(m)
    if inp.doc_type == "speech" and inp.speaker_state in MEMBERS:
        out.setdefault(inp.speaker_state, [])
    own = (home or {}).get(inp.lang)
    if own and inp.speaker_state in (None, "", own):
        out.setdefault(own, [])
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


def passage_words(inp: TagInput) -> list[tuple[str, int, int]]:
    """The passage's words with their offsets: jieba words for text with Chinese (the stored tokens when
    the store has them, so tagging does not segment again), else lower-cased \\w+ words."""
    if not _HAN.search(inp.text):
        return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(inp.text)]
    words = _align(inp.text, inp.tokens) if inp.tokens else None
    if words is None:
        from pipeline.ingest.tokenise import init_jieba

        words = [(w, s, e) for w, s, e in init_jieba().tokenize(inp.text) if w.strip()]
    return words


def _align(text: str, tokens: list[str]) -> list[tuple[str, int, int]] | None:
    if "".join(tokens) == text:  # the common case: no whitespace in the passage
        ends = list(accumulate(len(t) for t in tokens))
        return [(t, e - len(t), e) for t, e in zip(tokens, ends, strict=True)]
    out, pos = [], 0
    for tok in tokens:
        start = text.find(tok, pos)
        if start < 0 or text[pos:start].strip():
            return None  # the tokens are not this text's: segment it instead
        out.append((tok, start, start + len(tok)))
        pos = start + len(tok)
    return out if not text[pos:].strip() else None


def mention_slots(words: list[tuple[str, int, int]], mentions: dict[str, list[Mention]]) -> list:
    """For each word, the state of the mention it overlaps (None for ordinary words); a mention's second and
    later words get "" so that a mention becomes one marker."""
    spans = sorted((m.start, m.end, who) for who, ms in mentions.items() for m in ms)
    slots, k, last = [], 0, None
    for _, start, end in words:
        while k < len(spans) and spans[k][1] <= start:
            k += 1
        if k < len(spans) and spans[k][0] < end:
            slots.append("" if last == k else spans[k][2])
            last = k
        else:
            slots.append(None)
    return slots


def masked_words(words: list[tuple[str, int, int]], slots: list, state: str) -> tuple:
    """The words with each mention replaced by one marker, Ⓣ for the target state and Ⓞ for the others."""
    out = []
    for (w, _, _), who in zip(words, slots, strict=True):
        if who is None:
            out.append(w)
        elif who:
            out.append("Ⓣ" if who == state else "Ⓞ")
    return tuple(out)


def analyze_tokens(words) -> list[str]:
    """The word features: the pair's words as they are (already segmented and masked)."""
    return list(words)


def analyze_token_bigrams(words) -> list[str]:
    """Word bigrams (so "Ⓣ refused" and "Ⓞ refused" are different features)."""
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


class CueFeatures(BaseEstimator, TransformerMixin):
    """Counts of codebook stance cues, in the whole passage (column "cues", counted once per passage by
    `pair_frame`) and near the target state (column "near")."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        rows = []
        for whole, near, lang in zip(X["cues"], X["near"], X["lang"], strict=True):
            rows.append(list(whole) + stance_cue_vector(near, lang))
        return np.log1p(np.asarray(rows, dtype=float).reshape(-1, 2 * len(STANCE_CUES)))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue_{w}_{k}" for w in ("all", "near") for k in STANCE_CUES], dtype=object)


def make_features(max_chars: int = 20000, max_near: int = 10000, max_words: int = 10000) -> ColumnTransformer:
    """The pair features: character n-grams of the masked passage and of the target's neighbourhood,
    words, codebook cue counts, and one-hot metadata."""
    return ColumnTransformer([
        ("chars", CharNgramTfidf(ngram_range=(2, 4), min_df=2, max_features=max_chars), "masked"),
        ("near", CharNgramTfidf(ngram_range=(2, 4), min_df=2, max_features=max_near), "near"),
        ("words", TfidfVectorizer(analyzer=analyze_tokens, min_df=2, sublinear_tf=True, max_features=max_words,
                                  dtype=np.float32), "words"),
        ("cues", CueFeatures(), ["cues", "near", "lang"]),
        ("meta", OneHotEncoder(handle_unknown="ignore"), ["lang", "doc_type", "how", "is_speaker", "n_states"]),
    ])


def make_model(C: float = 4.0) -> Pipeline:
    """One pair classifier as a plain scikit-learn pipeline (for cross_validate and grid searches)."""
    return Pipeline([("features", make_features()), ("clf", _classifier(C))])


def _classifier(C: float) -> LogisticRegression:
    return LogisticRegression(C=C, class_weight="balanced", max_iter=3000)


def _implicit(inp: TagInput, state: str, home: dict[str, str]) -> str:
    """Why a state with no mention in the passage is a candidate."""
    if state == inp.speaker_state:
        return "implicit-speaker"
    return "implicit-home" if home.get(inp.lang) == state else "implicit-collective"


def parse_home(spec: str) -> dict[str, str]:
    """"zh:CHN,ru:RUS" -> {"zh": "CHN", "ru": "RUS"}."""
    return dict(part.split(":", 1) for part in spec.split(",") if part)


def pair_frame(inputs: list[TagInput], home: str = "") -> tuple[list[tuple[int, str]], pd.DataFrame]:
    """One row per (passage, candidate state)."""
    keys, rows = [], []
    home_map = parse_home(home)
    for i, inp in enumerate(inputs):
        cands = candidates(inp, home_map)
        words = passage_words(inp) if cands else []
        slots = mention_slots(words, cands) if cands else []
        cues = tuple(stance_cue_vector(inp.text, inp.lang)) if cands else ()
        for state, ms in cands.items():
            masked = mask(inp.text, state, cands)
            keys.append((i, state))
            rows.append({"masked": masked, "near": _window(masked), "words": masked_words(words, slots, state),
                         "cues": cues,
                         "lang": inp.lang,
                         "doc_type": inp.doc_type or "-",
                         "how": "+".join(sorted({m.how for m in ms})) or _implicit(inp, state, home_map),
                         "is_speaker": str(state == inp.speaker_state), "n_states": str(min(len(cands), 4))})
    return keys, pd.DataFrame(rows, columns=["masked", "near", "words", "cues", "lang", "doc_type", "how",
                                             "is_speaker",
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

    def __init__(self, C: float = 4.0, attribution_threshold: float | str = "tune",
                 dimension_threshold: float | str = "tune", abstain_threshold: float = 0.5, home: str = "zh:CHN",
                 tune_folds: int = 3):
        """`attribution_threshold` / `dimension_threshold`: a number, or "tune" to choose them in `fit` by an
        inner grouped cross-validation on the training data only (so an outer evaluation stays honest).
        `home`: language -> implicit home state of that language's media (see `candidates`)."""
        self.C = C
        self.home = home
        self.attribution_threshold = attribution_threshold
        self.dimension_threshold = dimension_threshold
        self.abstain_threshold = abstain_threshold
        self.tune_folds = tune_folds

    def fit(self, inputs: list[TagInput], labels: list[list[Label]], groups: list[str] | None = None) -> Tagger:
        """`groups` (e.g. document ids) keep a document's spans together in the inner threshold tuning;
        by default the part of each input's id before the first ":"."""
        keys, X = pair_frame(inputs, self.home)
        gold = [{(lab.state, lab.dimension): lab for lab in labs} for labs in labels]
        by_pair = [{d: gold[i].get((s, d)) for d in DIMENSIONS} for i, s in keys]
        y_attr = [any(v is not None for v in dims.values()) for dims in by_pair]
        self.features_ = _compact(make_features().fit(X))
        F = self.features_.transform(X)
        groups = groups or [inp.id.split(":", 1)[0] for inp in inputs]
        self.thresholds_ = self._thresholds(F, keys, by_pair, y_attr, labels, groups)
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

    GRID = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)

    def _thresholds(self, F, keys, by_pair, y_attr, labels, groups) -> tuple[float, float]:
        """The (attribution, dimension) thresholds: given, or tuned on out-of-fold probabilities of an inner
        grouped k-fold over the training inputs (features reused; only the two decision models refitted).
        The criterion is the mean of span-level state F1 and (state, dimension) micro-F1."""
        fixed = (self.attribution_threshold, self.dimension_threshold)
        if all(isinstance(t, (int, float)) for t in fixed):
            return float(fixed[0]), float(fixed[1])
        from sklearn.model_selection import GroupKFold

        pair_groups = np.array([groups[i] for i, _ in keys])
        n_folds = min(self.tune_folds, len(set(pair_groups)))
        if n_folds < 2:
            return 0.5, 0.5
        p_attr = np.zeros(len(keys))
        p_dim = {d: np.zeros(len(keys)) for d in DIMENSIONS}
        y = np.array(y_attr)
        for train, test in GroupKFold(n_splits=n_folds).split(F, groups=pair_groups):
            p_attr[test] = _proba(_fit(self.C, F[train], list(y[train])), F[test], True)
            pos = train[y[train]]
            for d in DIMENSIONS:
                model = _fit(self.C, F[pos], [by_pair[k][d] is not None for k in pos])
                p_dim[d][test] = _proba(model, F[test], True)
        gold_states = [(i, s) for i, labs in enumerate(labels) for s in {lab.state for lab in labs}]
        gold_dims = {(i, lab.state, lab.dimension) for i, labs in enumerate(labels) for lab in labs}
        best, best_score = (0.5, 0.5), -1.0
        for ta in self.GRID:
            for td in self.GRID:
                states, dims = set(), set()
                for k in np.flatnonzero(p_attr >= ta):
                    i, s = keys[k]
                    for d in DIMENSIONS:
                        if p_dim[d][k] >= td:
                            states.add((i, s))
                            dims.add((i, s, d))
                score = (set_f1(states, set(gold_states)) + set_f1(dims, gold_dims)) / 2
                if score > best_score + 1e-9:
                    best, best_score = (ta, td), score
        return best

    def stance_proba(self, X: pd.DataFrame, dims: list[str]) -> tuple[list[str], np.ndarray]:
        """Stance classes and their probabilities for pair rows `X` on dimensions `dims`."""
        F = _with_dimension(self.features_.transform(X), dims)
        return [str(c) for c in self.stance_.classes_], self.stance_.predict_proba(F)

    def predict(self, inputs: list[TagInput]) -> list[list[Tag]]:
        keys, X = pair_frame(inputs, self.home)
        out: list[list[Tag]] = [[] for _ in inputs]
        if not keys:
            return out
        F = self.features_.transform(X)
        p_attr = _proba(self.attribution_, F, True)
        t_attr, t_dim = self.thresholds_
        keep = np.flatnonzero(p_attr >= t_attr)
        if len(keep) == 0:
            return out
        Fk = F[keep]
        rows, dims, meta = [], [], []
        for d in DIMENSIONS:
            p_dim = _proba(self.dimension_[d], Fk, True)
            for j in np.flatnonzero(p_dim >= t_dim):
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
