"""Tag passages: which member states they are about, on which dimensions, with which stance.

Every (passage, state) pair is classified with the target state's mentions replaced by a marker and the
other states' mentions masked, so one passage about two states yields two different inputs. The pair's
evidence comes in three blocks (`features`):

- language-specific: character n-grams of the masked passage and of the target's neighbourhood, words;
- shared across languages: the multilingual sentence vector of the target's sentences (USE multilingual v3,
  `features/encoder.py`), codebook cue counts, the codebook's analytic vocabulary attributed to the target
  (`features/analytic.py`), and metadata (document type, how the state is mentioned);
- the language itself is not a feature: the decision thresholds are calibrated per language instead.

Scikit-learn logistic regressions (class- and language-balanced) make four decisions:

- attribution: is the pair tagged at all (does the passage say something about this state on a dimension)?
  A cheap first stage (n-grams and cues only) screens the pairs, so only plausible ones are encoded;
- dimension: one binary model per dimension, for attributed pairs;
- area: one multi-class model per dimension;
- stance: one model over (pair, dimension) with the dimension as a feature, so rare stances pool their
  evidence across dimensions.

A reading stated in the codebook's own terms ("印度对上合组织持消极认同态度") is adopted as the tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import accumulate

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from pipeline.codebook import DIMENSIONS, MEMBERS, SCO, STANCE_VALUE
from pipeline.ingest.mentions import find_mentions
from pipeline.ingest.relevance import mentions_sco
from pipeline.records import Mention
from pipeline.tagging.annotations import Label
from pipeline.tagging.features import encoder
from pipeline.tagging.features.analytic import STANCE_ORDER, dimension_term_vector, reading_vector, readings
from pipeline.tagging.features.cues import STANCE_CUES, stance_cue_vector
from pipeline.tagging.features.ngrams import CharNgramTfidf
from pipeline.tagging.metrics import set_f1
from pipeline.tagging.objects import ObjectReader

# Bumped whenever the features a model was fitted on change meaning, so an old model file is refused
# with a clear message (2: vectorised character n-grams, words segmented once per passage; 3: passage cue
# counts computed once per passage; 4: one plain cue alternation, the longest cue wins; 5: sentence vectors,
# the analytic vocabulary, dimension terms, candidates by document type, thresholds per language; 6: more
# refusal verbs in the analytic vocabulary — 不参加, "declined to take part", "не примет участия" …; 7: the
# object reader (codebook §3a); 8: "SCO membership" no longer reads as the collective "SCO members").
FEATURES_VERSION = 8
# One-character markers, so that character n-grams across the marker ("Ⓣ 拒绝", "Ⓣ refused") tie
# cues to the target state and not to the others.
TARGET, OTHER = " Ⓣ ", " Ⓞ "
# Collective subjects: every member (in that year) is a candidate when a passage speaks of them all.
COLLECTIVE = {
    "zh": re.compile(r"各成员国|成员国元首|所有成员国|全体成员国|成员国领导人|成员国外长|成员国之间|八国|九国|十国"),
    "en": re.compile(r"member (?:states|countries|nations)|all (?:the )?members\b|SCO members\b|heads of state of the",
                     re.I),
    "ru": re.compile(r"государств[а-я]*-член|стран[а-я]* ШОС|стран[а-я]*-участниц|член[а-я]* ШОС|лидер[а-я]* ШОС",
                     re.I),
}
# The document types whose language implies a home state (news transcripts of that state's media).
HOME_TYPES = ("transcript",)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"\w+|[ⓉⓄ]", re.U)
# Sentence ends: Chinese full stops (with closing quotes), or . ! ? ; before a space or the end.
_SENTENCE_END = {"zh": re.compile(r"[。！？；!?;]+[”’」』）》)\]]*"),
                 "other": re.compile(r"[.!?;]+[\"'»”’)\]]*(?=\s|$)")}
# The most text encoded for one pair (characters): the target's sentences, cut around its first mention.
ENCODE_CHARS = {"zh": 100, "other": 300}
# Confidence of a tag stated in the codebook's own terms (see features/analytic.py).
READING_CONFIDENCE = 0.9


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
    relevant: bool | None = None  # the passage or its document is about the SCO (from the store); None: unknown


@dataclass
class Tag:
    state: str
    dimension: str
    area: str
    stance: str
    confidence: float
    uncertain: bool
    probabilities: dict[str, float] = field(default_factory=dict)
    object: str = SCO  # whom the stance is about (codebook §3a): the SCO or another member state

    @property
    def score(self) -> int | None:
        return STANCE_VALUE[self.stance]

    def as_dict(self) -> dict:
        return {"state": self.state, "object": self.object, "dimension": self.dimension, "area": self.area,
                "stance": self.stance, "score": self.score, "confidence": round(self.confidence, 4),
                "uncertain": self.uncertain}


def candidates(inp: TagInput, home: dict[str, str] | None = None) -> dict[str, list[Mention]]:
    """The member states a passage may be about, by document type:

    - every type: the states it names, and every member when it speaks of them all ("各成员国");
    - `speech`: the speaker's state (first-person passages are the speaker's);
    - `transcript` (news read by a state's media): the implicit home state of the language (`home`, a
      language -> state map: CCTV reports "丁薛祥出席上合组织会议" without naming China), unless the document
      names another speaker state. An article's author, a declaration or an untyped text is not a state.

    An implicit state (the speaker, the home state) needs something the passage could be about it towards
    (codebook §3a: every tag has an object): the SCO (named, or the passage or its document is about it),
    another member state, or the members together. Without one it is no candidate, and first-person forms
    alone ("we", "我们") do not make the speaker one.
    """
    mentions = inp.mentions if inp.mentions is not None else find_mentions(
        inp.text, inp.lang, speaker_state=inp.speaker_state, doc_type=inp.doc_type, year=inp.year)
    out: dict[str, list[Mention]] = {}
    for m in mentions:
        out.setdefault(m.state, []).append(m)
    pattern = COLLECTIVE.get(inp.lang)
    collective = pattern is not None and pattern.search(inp.text) is not None
    own = (home or {}).get(inp.lang)
    implicit = inp.speaker_state if inp.doc_type == "speech" and inp.speaker_state in MEMBERS else \
        own if own and inp.doc_type in HOME_TYPES and inp.speaker_state in (None, "", own) else None
    if implicit:
        if collective or inp.relevant or any(st != implicit for st in out) or mentions_sco(inp.text, inp.lang):
            out.setdefault(implicit, [])
        elif implicit in out and all(m.how == "speaker" for m in out[implicit]):
            del out[implicit]
    if collective:
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


_LISTED = re.compile(r"[ⓉⓄ]\s*(?:、|，|,|和|与|及|and|и)\s*[ⓉⓄ]")
_CLAUSE_START = re.compile(r"(?:^|[。！？；;.!?，,:：])\s*(?:[\"“«(（]\s*)?Ⓣ")


def structure_vector(masked: str, near: str, lang: str) -> list[float]:
    """Where and how the target stands in the passage, the same in every language: how often it and the other
    states are named, whether it is named first, starts a clause (a subject), stands in a list of states, and
    whether the passage and the target's neighbourhood name the SCO."""
    first = re.search(r"[ⓉⓄ]", masked)
    return [masked.count("Ⓣ"), masked.count("Ⓞ"), float(bool(first) and first.group() == "Ⓣ"),
            float(bool(_CLAUSE_START.search(masked))),
            float(any("Ⓣ" in m.group() for m in _LISTED.finditer(masked))),
            float(mentions_sco(masked, lang)), float(mentions_sco(near, lang))]


STRUCTURE = ("targets", "others", "target_first", "target_subject", "target_listed", "sco", "sco_near")


class CueFeatures(BaseEstimator, TransformerMixin):
    """Language-neutral counts: codebook stance cues in the whole passage (column "cues", counted once per
    passage by `pair_frame`) and near the target (column "near"), the codebook's dimension terms near the
    target, the readings the passage attributes explicitly to the target (column "readings"), and the
    target's place in the passage (`structure_vector`, on column "masked")."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        rows = []
        for whole, near, lang, found, masked in zip(X["cues"], X["near"], X["lang"], X["readings"], X["masked"],
                                                     strict=True):
            rows.append(list(whole) + stance_cue_vector(near, lang) + dimension_term_vector(near, lang)
                        + reading_vector(list(found)) + structure_vector(masked, near, lang))
        width = 2 * len(STANCE_CUES) + len(DIMENSIONS) + len(STANCE_ORDER) + len(STRUCTURE)
        return np.log1p(np.asarray(rows, dtype=float).reshape(-1, width))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue_{w}_{k}" for w in ("all", "near") for k in STANCE_CUES]
                        + [f"dimterm_{d}" for d in DIMENSIONS] + [f"reading_{k}" for k in STANCE_ORDER]
                        + [f"structure_{k}" for k in STRUCTURE], dtype=object)


META = ["doc_type", "how", "is_speaker", "n_states"]


def make_features(max_chars: int = 20000, max_near: int = 10000, max_words: int = 10000, ngrams: bool = True,
                  lang: bool = True) -> ColumnTransformer:
    """The pair features besides the sentence vectors: character n-grams of the masked passage and of the
    target's neighbourhood and words (`ngrams`), codebook cue counts, and one-hot metadata (with the language
    when `lang`)."""
    blocks = [
        ("chars", CharNgramTfidf(ngram_range=(2, 4), min_df=2, max_features=max_chars), "masked"),
        ("near", CharNgramTfidf(ngram_range=(2, 4), min_df=2, max_features=max_near), "near"),
        ("words", TfidfVectorizer(analyzer=analyze_tokens, min_df=2, sublinear_tf=True, max_features=max_words,
                                  dtype=np.float32), "words"),
    ] if ngrams else []
    return ColumnTransformer(blocks + [
        ("cues", CueFeatures(), ["cues", "near", "lang", "readings", "masked"]),
        ("meta", OneHotEncoder(handle_unknown="ignore"), (["lang"] if lang else []) + META),
    ], sparse_threshold=1.0)


def make_model(C: float = 4.0) -> Pipeline:
    """One pair classifier over the n-gram features as a plain scikit-learn pipeline (for cross_validate and
    grid searches)."""
    return Pipeline([("features", make_features()), ("clf", _classifier(C))])


def _classifier(C: float) -> LogisticRegression:
    # newton-cg: the same solution as lbfgs on these sparse, wide features, 3-4 times faster
    return LogisticRegression(C=C, class_weight="balanced", max_iter=3000, solver="newton-cg")


def _implicit(inp: TagInput, state: str, home: dict[str, str]) -> str:
    """Why a state with no mention in the passage is a candidate."""
    if state == inp.speaker_state and inp.doc_type == "speech":
        return "implicit-speaker"
    return "implicit-home" if home.get(inp.lang) == state and inp.doc_type in HOME_TYPES else "implicit-collective"


def parse_home(spec: str) -> dict[str, str]:
    """"zh:CHN,ru:RUS" -> {"zh": "CHN", "ru": "RUS"}."""
    return dict(part.split(":", 1) for part in spec.split(",") if part)


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """(start, end) of the sentences of `text`."""
    spans, start = [], 0
    for m in _SENTENCE_END[lang if lang == "zh" else "other"].finditer(text):
        spans.append((start, m.end()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def encoder_text(text: str, lang: str, mentions: list[Mention]) -> str:
    """What is encoded for a pair: the sentences holding the target's mentions (the whole passage when the
    target is implicit), at most ENCODE_CHARS characters, cut around the target's first mention."""
    cap = ENCODE_CHARS["zh" if lang == "zh" else "other"]
    if mentions:
        spans = sentence_spans(text, lang)
        chosen = [(s, e) for s, e in spans if any(m.start < e and m.end > s for m in mentions)]
        lo, hi = chosen[0][0], chosen[-1][1]
        first = min(m.start for m in mentions)
    else:
        lo, hi, first = 0, len(text), 0
    if hi - lo > cap:
        lo = max(lo, min(first - cap // 3, hi - cap))
        hi = lo + cap
    return text[lo:hi].strip()


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
                         "cues": cues, "readings": tuple(readings(masked, inp.lang)),
                         "enc": encoder_text(inp.text, inp.lang, ms), "lang": inp.lang,
                         "doc_type": inp.doc_type or "-",
                         "how": "+".join(sorted({m.how for m in ms})) or _implicit(inp, state, home_map),
                         "is_speaker": str(state == inp.speaker_state), "n_states": str(min(len(cands), 4))})
    return keys, pd.DataFrame(rows, columns=["masked", "near", "words", "cues", "readings", "enc", "lang",
                                             "doc_type", "how", "is_speaker", "n_states"])


class _Constant:
    """Stands in for a model when training data has one class only."""

    def __init__(self, label):
        self.classes_ = np.array([label])

    def predict_proba(self, X):
        return np.ones((X.shape[0], 1))


def _fit(C: float, X, y: list, weights=None):
    if len(set(y)) < 2:
        return _Constant(y[0] if y else None)
    return _classifier(C).fit(X, y, sample_weight=weights)


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


def _proba(model, X, label) -> np.ndarray:
    n = X.shape[0]
    if n == 0:
        return np.zeros(0)
    classes = list(model.classes_)
    if label not in classes:
        return np.zeros(n)
    return model.predict_proba(X)[:, classes.index(label)]


def _sparse(M):
    """The features as a CSR matrix (a ColumnTransformer of dense blocks only returns an array)."""
    from scipy import sparse

    return sparse.csr_matrix(M)


def language_weights(langs, y=None) -> np.ndarray:
    """Sample weights that give every language the same total weight and, with binary labels `y`, every
    language the same share of positives (balanced training: the language does not predict the label;
    class balance itself comes from the classifier's class weights)."""
    langs = np.asarray(list(langs), dtype=object)
    out = np.ones(len(langs))
    present = sorted(set(langs))
    for lang in present:
        sel = langs == lang
        out[sel] = len(langs) / (len(present) * sel.sum())
    if y is not None:
        y = np.asarray(y, dtype=bool)
        rate = y.mean() if len(y) else 0.0
        for lang in present:
            sel = langs == lang
            own = y[sel].mean()
            if 0 < own < 1 and 0 < rate < 1:
                out[sel & y] *= rate / own
                out[sel & ~y] *= (1 - rate) / (1 - own)
    return out


class Tagger(BaseEstimator):
    """The whole tagger; `fit(inputs, labels)` where labels[i] is the list of Labels of inputs[i]."""

    def __init__(self, C: float = 4.0, attribution_threshold: float | str = "tune",
                 dimension_threshold: float | str = "tune", abstain_threshold: float = 0.5, home: str = "zh:CHN",
                 tune_folds: int = 3, features: str = "both", vector_weight: float = 1.0, gate: float | str = "tune",
                 gate_recall: float = 0.98, per_language: bool = True, balance_languages: bool = True,
                 lang_feature: bool = False, neutral_decisions: bool = False, per_type: bool = True):
        """`attribution_threshold` / `dimension_threshold`: a number, or "tune" to choose them in `fit` by an
        inner grouped cross-validation on the training data only (so an outer evaluation stays honest), per
        language when `per_language`. `home`: language -> implicit home state of that language's news
        transcripts (see `candidates`). `features`: "both" (n-grams, sentence vectors and shared counts),
        "ngrams" (the baseline without the encoder) or "encoder" (sentence vectors and shared counts only).
        `gate`: the first-stage threshold below which a pair is not encoded (with "both"; "tune": the highest
        that keeps `gate_recall` of the tagged training pairs in the inner cross-validation; 0: no gate).
        `neutral_decisions`: attribution and dimension decided on the language-neutral features only (sentence
        vectors and shared counts; n-grams then inform the area and the stance). `per_type`: thresholds also
        per (language, document type) where there are enough training spans."""
        self.C = C
        self.home = home
        self.attribution_threshold = attribution_threshold
        self.dimension_threshold = dimension_threshold
        self.abstain_threshold = abstain_threshold
        self.tune_folds = tune_folds
        self.features = features
        self.vector_weight = vector_weight
        self.gate = gate
        self.gate_recall = gate_recall
        self.per_language = per_language
        self.balance_languages = balance_languages
        self.lang_feature = lang_feature
        self.neutral_decisions = neutral_decisions
        self.per_type = per_type

    # -- features ---------------------------------------------------------------------------------------

    @property
    def uses_encoder(self) -> bool:
        return self.features in ("both", "encoder")

    def _vectors(self, X: pd.DataFrame, cache=None) -> np.ndarray:
        return encoder.shared()(list(X["enc"]), cache) * np.float32(self.vector_weight)

    def _join(self, B, V):
        from scipy import sparse

        if V is None:
            return B.tocsr()
        return sparse.hstack([B, sparse.csr_matrix(V)], format="csr")

    def _decision(self, B, V, F):
        """The features of the attribution and dimension decisions: all of them (`F`), or with
        `neutral_decisions` the language-neutral ones only."""
        if not (self.neutral_decisions and self.uses_encoder):
            return F
        return self._join(B.tocsr()[:, self.shared_columns_], V)

    def _weights(self, langs, y=None) -> np.ndarray | None:
        return language_weights(langs, y) if self.balance_languages else None

    # -- training ---------------------------------------------------------------------------------------

    def fit(self, inputs: list[TagInput], labels: list[list[Label]], groups: list[str] | None = None) -> Tagger:
        """`groups` (e.g. document ids) keep a document's spans together in the inner threshold tuning;
        by default the part of each input's id before the first ":"."""
        if self.features not in ("both", "ngrams", "encoder"):
            raise ValueError(f"features must be both, ngrams or encoder, not {self.features!r}")
        keys, X = pair_frame(inputs, self.home)
        # a (state, dimension) labelled towards the SCO and towards a member: the SCO label trains the stance
        gold = [{(lab.state, lab.dimension): lab for lab in sorted(labs, key=lambda lab: lab.object == SCO)}
                for labs in labels]
        by_pair = [{d: gold[i].get((s, d)) for d in DIMENSIONS} for i, s in keys]
        y_attr = [any(v is not None for v in dims.values()) for dims in by_pair]
        self.features_ = _compact(make_features(ngrams=self.features != "encoder", lang=self.lang_feature).fit(X))
        B = _sparse(self.features_.transform(X))
        shared = [sl for name, sl in self.features_.output_indices_.items() if name in ("cues", "meta")]
        self.shared_columns_ = [int(c) for sl in shared for c in range(sl.start, sl.stop)]
        V = self._vectors(X) if self.uses_encoder else None
        F = self._join(B, V)
        D = self._decision(B, V, F)
        w = self._weights(X["lang"], y_attr)
        groups = groups or [inp.id.split(":", 1)[0] for inp in inputs]
        self._tune(B, D, w, keys, X["lang"].to_numpy(), by_pair, y_attr, labels, inputs, groups)
        self.gate_ = _fit(self.C, B, y_attr, w) if self.gate_threshold_ > 0 else None
        self.attribution_ = _fit(self.C, D, y_attr, w)
        pos = [k for k, a in enumerate(y_attr) if a]
        self.dimension_, self.area_ = {}, {}
        stance_rows, stance_dims, stance_y = [], [], []
        for d in DIMENSIONS:
            y_dim = [by_pair[k][d] is not None for k in pos]
            self.dimension_[d] = _fit(self.C, D[pos], y_dim, None if w is None else w[pos])
            with_d = [pos[j] for j, has in enumerate(y_dim) if has]
            self.area_[d] = _fit(self.C, F[with_d], [by_pair[k][d].area for k in with_d])
            stance_rows += with_d
            stance_dims += [d] * len(with_d)
            stance_y += [by_pair[k][d].stance for k in with_d]
        self.stance_ = _fit(self.C, _with_dimension(F[stance_rows], stance_dims), stance_y,
                            None if w is None else w[stance_rows])
        self.n_pairs_, self.n_labels_ = len(keys), len(stance_y)
        self.object_ = ObjectReader(C=self.C).fit(self._object_examples(inputs, labels))
        return self

    def _object_pairs(self, inputs: list[TagInput], wanted: list[tuple[int, str]]) -> list[tuple]:
        """(text, lang, mentions by state, holder, relevant, doc_type) of the (input index, state) pairs."""
        found: dict[int, dict] = {}
        out = []
        for i, state in wanted:
            if i not in found:
                found[i] = candidates(inputs[i], parse_home(self.home))
            inp = inputs[i]
            out.append((inp.text, inp.lang, found[i], state, inp.relevant, inp.doc_type))
        return out

    def _object_examples(self, inputs: list[TagInput], labels: list[list[Label]]) -> list[tuple]:
        wanted = sorted({(i, lab.state) for i, labs in enumerate(labels) for lab in labs})
        pairs = self._object_pairs(inputs, wanted)
        gold = {}
        for i, labs in enumerate(labels):
            for lab in labs:
                gold.setdefault((i, lab.state), set()).add(lab.object)
        return [(*pair, gold[w]) for w, pair in zip(wanted, pairs, strict=True)]

    def objects_given(self, inputs: list[TagInput], wanted: list[tuple[int, str]]) -> dict[tuple[int, str], list]:
        """The objects of given (input index, state) pairs (for evaluation against the gold states)."""
        reader = getattr(self, "object_", None)
        if reader is None or not wanted:
            return {w: [SCO] for w in wanted}
        return dict(zip(wanted, reader.objects(self._object_pairs(inputs, wanted)), strict=True))

    def with_objects(self, inputs: list[TagInput], tags: list[list[Tag]]) -> list[list[Tag]]:
        """Each tag once per object of its (passage, state) (codebook §3a); a model trained before objects
        existed reads every stance as about the SCO."""
        reader = getattr(self, "object_", None)
        wanted = sorted({(i, t.state) for i, ts in enumerate(tags) for t in ts})
        if reader is None or not wanted:
            return tags
        objects = dict(zip(wanted, reader.objects(self._object_pairs(inputs, wanted)), strict=True))
        return [[replace(t, object=o) for t in ts for o in objects[(i, t.state)]] for i, ts in enumerate(tags)]

    GRID = (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
    GATE_GRID = (0.3, 0.25, 0.2, 0.15, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01)
    MIN_LANGUAGE_SPANS = 40

    def _tune(self, B, F, w, keys, langs, by_pair, y_attr, labels, inputs, groups) -> None:
        """Set `gate_threshold_`, `thresholds_` (attribution, dimension) and `lang_thresholds_` (per language):
        given, or tuned on out-of-fold probabilities of an inner grouped k-fold over the training inputs
        (features reused; only the decision models refitted). The criterion is the mean of span-level state
        F1 and (state, dimension) micro-F1; a language with fewer than MIN_LANGUAGE_SPANS spans keeps the
        thresholds tuned on all languages."""
        fixed = (self.attribution_threshold, self.dimension_threshold)
        gating = self.features == "both" and self.gate != 0
        tuned = not all(isinstance(t, (int, float)) for t in fixed)
        self.gate_threshold_ = float(self.gate) if isinstance(self.gate, (int, float)) else 0.0
        self.thresholds_, self.lang_thresholds_ = (0.5, 0.5), {}
        if not tuned and not (gating and self.gate == "tune"):
            self.thresholds_ = (float(fixed[0]), float(fixed[1]))
            return
        from sklearn.model_selection import GroupKFold

        pair_groups = np.array([groups[i] for i, _ in keys])
        n_folds = min(self.tune_folds, len(set(pair_groups)))
        if n_folds < 2:
            if not tuned:
                self.thresholds_ = (float(fixed[0]), float(fixed[1]))
            return
        y = np.array(y_attr)
        p_attr, p_gate = np.zeros(len(keys)), np.ones(len(keys))
        p_dim = {d: np.zeros(len(keys)) for d in DIMENSIONS}
        for train, test in GroupKFold(n_splits=n_folds).split(F, groups=pair_groups):
            wt = None if w is None else w[train]
            p_attr[test] = _proba(_fit(self.C, F[train], list(y[train]), wt), F[test], True)
            if gating and self.gate == "tune":
                p_gate[test] = _proba(_fit(self.C, B[train], list(y[train]), wt), B[test], True)
            pos = train[y[train]]
            for d in DIMENSIONS:
                model = _fit(self.C, F[pos], [by_pair[k][d] is not None for k in pos], None if w is None else w[pos])
                p_dim[d][test] = _proba(model, F[test], True)
        if gating and self.gate == "tune":
            self.gate_threshold_ = 0.0
            for g in self.GATE_GRID:
                if y.sum() == 0 or (p_gate[y] >= g).mean() >= self.gate_recall:
                    self.gate_threshold_ = g
                    break
            p_attr = np.where(p_gate >= self.gate_threshold_, p_attr, 0.0)
        if not tuned:
            self.thresholds_ = (float(fixed[0]), float(fixed[1]))
            return
        self.thresholds_ = self._best(p_attr, p_dim, keys, labels, None)
        groups_of = []
        if self.per_language:
            groups_of.append(lambda inp: inp.lang)
        if self.per_type:
            groups_of.append(lambda inp: f"{inp.lang}/{inp.doc_type or '-'}")
        for key in groups_of:
            span_keys = np.array([key(inp) for inp in inputs])
            for name in sorted(set(span_keys)):
                spans = set(np.flatnonzero(span_keys == name))
                if len(spans) >= self.MIN_LANGUAGE_SPANS and sum(len(labels[i]) for i in spans) >= 10:
                    self.lang_thresholds_[str(name)] = self._best(p_attr, p_dim, keys, labels, spans)

    def _best(self, p_attr, p_dim, keys, labels, spans: set | None) -> tuple[float, float]:
        rows = [k for k, (i, _) in enumerate(keys) if spans is None or i in spans]
        gold_states = {(i, lab.state) for i, labs in enumerate(labels) if spans is None or i in spans for lab in labs}
        gold_dims = {(i, lab.state, lab.dimension) for i, labs in enumerate(labels) if spans is None or i in spans
                     for lab in labs}
        best, best_score = (0.5, 0.5), -1.0
        for ta in self.GRID:
            for td in self.GRID:
                states, dims = set(), set()
                for k in rows:
                    if p_attr[k] < ta:
                        continue
                    i, s = keys[k]
                    for d in DIMENSIONS:
                        if p_dim[d][k] >= td:
                            states.add((i, s))
                            dims.add((i, s, d))
                score = (set_f1(states, gold_states) + set_f1(dims, gold_dims)) / 2
                if score > best_score + 1e-9:
                    best, best_score = (ta, td), score
        return best

    def thresholds_for(self, lang: str, doc_type: str | None = None) -> tuple[float, float]:
        """The (attribution, dimension) thresholds of a language and document type: calibrated for the pair,
        else for the language, when they had enough training spans; else those of all the training data."""
        own = getattr(self, "lang_thresholds_", {})
        return own.get(f"{lang}/{doc_type or '-'}") or own.get(lang) or self.thresholds_

    # -- prediction -------------------------------------------------------------------------------------

    def _screen(self, inputs: list[TagInput], cache=None):
        """Pairs, their frame, the first stage's probabilities, which pairs pass it, and the full features of
        those."""
        keys, X = pair_frame(inputs, self.home)
        if not keys:
            return keys, X, np.zeros(0), np.zeros(0, dtype=int), None
        B = _sparse(self.features_.transform(X))
        forced = np.array([bool(r) for r in X["readings"]])
        p_gate = _proba(self.gate_, B, True) if getattr(self, "gate_", None) is not None else np.ones(len(keys))
        passed = np.flatnonzero((p_gate >= self.gate_threshold_) | forced)
        B = B[passed]
        V = self._vectors(X.iloc[passed], cache) if self.uses_encoder and len(passed) else None
        F = self._join(B, V)
        return keys, X, p_gate, passed, (F, self._decision(B, V, F))

    def attribution_proba(self, inputs: list[TagInput], cache=None) -> tuple[list[tuple[int, str]], np.ndarray]:
        """Every candidate pair and its probability of being tagged (the first stage's for pairs it screens
        out)."""
        keys, _, p_gate, passed, (_, D) = self._screen(inputs, cache)
        p = p_gate.astype(float).copy()
        if len(passed):
            p[passed] = _proba(self.attribution_, D, True)
        return keys, p

    def predict(self, inputs: list[TagInput], cache=None) -> list[list[Tag]]:
        """The tags of each input. `cache`: where sentence vectors are kept between runs (the store)."""
        out: list[list[Tag]] = [[] for _ in inputs]
        keys, X, _, passed, features = self._screen(inputs, cache)
        if len(passed) == 0:
            return out
        F, D = features
        p_attr = _proba(self.attribution_, D, True)
        found = [dict((d, s) for d, s in X["readings"].iat[k]) for k in passed]
        chosen = [self.thresholds_for(lang, doc_type) for lang, doc_type in
                  zip(X["lang"].to_numpy()[passed], X["doc_type"].to_numpy()[passed], strict=True)]
        t_attr = np.array([a for a, _ in chosen])
        t_dim = np.array([d for _, d in chosen])
        keep = np.flatnonzero((p_attr >= t_attr) | np.array([bool(f) for f in found]))
        if len(keep) == 0:
            return out
        Fk, Dk = F[keep], D[keep]
        rows, dims, meta = [], [], []
        for d in DIMENSIONS:
            p_dim = _proba(self.dimension_[d], Dk, True)
            for j in range(len(keep)):
                r = keep[j]
                if p_dim[j] >= t_dim[r] or d in found[r]:
                    rows.append(j)
                    dims.append(d)
                    meta.append((r, d, p_attr[r] * p_dim[j], j))
        if not rows:
            return out
        classes = [str(c) for c in self.stance_.classes_]
        P = self.stance_.predict_proba(_with_dimension(Fk[rows], dims))
        areas = {d: self.area_[d].predict_proba(Fk) for d in DIMENSIONS}
        for n, (r, d, p_pair, j) in enumerate(meta):
            i, state = keys[passed[r]]
            area_model = self.area_[d]
            area = str(area_model.classes_[int(np.argmax(areas[d][j]))]) if area_model.classes_[0] is not None \
                else DIMENSIONS[d][0]
            stated = found[r].get(d)
            if stated is not None:  # stated in the codebook's own terms: adopted
                probs = {c: float(c == stated) for c in set(classes) | {stated}}
                confidence = max(float(p_pair * P[n].max()), READING_CONFIDENCE)
                stance = stated
            else:
                probs = {c: float(P[n][m]) for m, c in enumerate(classes)}
                stance = classes[int(np.argmax(P[n]))]
                confidence = float(p_pair * P[n].max())
            out[i].append(Tag(state=state, dimension=d, area=area, stance=stance, confidence=confidence,
                              uncertain=confidence < self.abstain_threshold, probabilities=probs))
        out = self.with_objects(inputs, out)
        for tags in out:
            tags.sort(key=lambda t: (t.state, t.object != SCO, t.object, list(DIMENSIONS).index(t.dimension)))
        return out

    def stance_given(self, inputs: list[TagInput], wanted: list[tuple[int, str, str]], cache=None) -> dict:
        """Stance probabilities for given (input index, state, dimension) triples, upstream decisions bypassed
        (for evaluation against gold states and dimensions); a state that is no candidate is left out."""
        keys, X = pair_frame(inputs, self.home)
        index = {k: n for n, k in enumerate(keys)}
        rows = [(w, index[(w[0], w[1])]) for w in wanted if (w[0], w[1]) in index]
        if not rows:
            return {}
        sub = X.iloc[[n for _, n in rows]]
        B = _sparse(self.features_.transform(sub))
        F = self._join(B, self._vectors(sub, cache) if self.uses_encoder else None)
        P = self.stance_.predict_proba(_with_dimension(F, [w[2] for w, _ in rows]))
        classes = [str(c) for c in self.stance_.classes_]
        out = {}
        for (w, n), p in zip(rows, P, strict=True):
            stated = dict(X["readings"].iat[n]).get(w[2])
            out[w] = {c: float(c == stated) for c in set(classes) | {stated}} if stated else \
                dict(zip(classes, map(float, p), strict=True))
        return out
