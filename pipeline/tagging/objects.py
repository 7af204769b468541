"""Whom a stance is about (codebook §3a, v2): for a (passage, state) the tagger tags, the SCO, another member
state the passage names, or both.

Candidates are the SCO and every other member the passage names explicitly (a state that is only implicit —
the speaker, the home state of a news language, a member of a collective — is no object). Two logistic
regressions read each (passage, holder, candidate) with the holder's mentions masked as Ⓣ, the candidate's
as Ⓞ (for the SCO: its names) and the other members' as Ⓢ:

- `sco_`: is the holder's stance (also) about the SCO? Trained on every labelled (span, state);
- `member_`: is it about this named member? Trained on every labelled (span, state) and other member named.

Features: character n-grams of the masked passage and of a window around the candidate (what is said
next to it: "accuses Ⓞ of", "Ⓣ 同 Ⓞ 的友谊"), and counts the languages share (whether the SCO is named,
how many members are, how far the holder's and the candidate's mentions are apart, the stance cues near
the candidate, the document type). The objects of a pair are the candidates with probability ≥ 0.5, or the
likeliest one when none is; a pair with no member candidate is about the SCO. Every dimension tag of the
pair gets each object (one tag per object): the stance of one passage towards the SCO and towards a member
is read as the same, a simplification `scotrack evaluate` measures (dyadic-tag F1).
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from pipeline.codebook import MEMBERS, SCO
from pipeline.ingest.relevance import SCO_TERMS
from pipeline.records import Mention
from pipeline.tagging.features.cues import stance_cue_vector

HOLDER, OBJECT, OTHER = "Ⓣ", "Ⓞ", "Ⓢ"
WINDOW = {"zh": 24, "other": 60}
DOC_TYPES = ("speech", "transcript", "article")
NUMERIC = ("is_sco", "sco_named", "relevant", "members_named", "candidate_mentions", "distance", "holder_named",
           *(f"type_{t}" for t in DOC_TYPES), *(f"cue_{k}" for k in range(5)))


def sco_spans(text: str, lang: str) -> list[tuple[int, int]]:
    pattern = SCO_TERMS.get(lang) or SCO_TERMS["en"]
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def named(mentions: dict[str, list[Mention]]) -> dict[str, list[Mention]]:
    """The states a passage names (not only implies: the speaker, a home state, a collective)."""
    return {s: [m for m in ms if m.how != "speaker"] for s, ms in mentions.items()
            if s in MEMBERS and any(m.how != "speaker" for m in ms)}


def member_candidates(mentions: dict[str, list[Mention]], holder: str) -> list[str]:
    return sorted(s for s in named(mentions) if s != holder)


def _masked(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, at = [], 0
    for start, end, sym in sorted(spans):
        if start < at:
            continue
        out.append(text[at:start])
        out.append(f" {sym} ")
        at = end
    out.append(text[at:])
    return re.sub(r"\s+", " ", "".join(out))


def view(text: str, lang: str, mentions: dict[str, list[Mention]], holder: str, candidate: str,
         relevant: bool | None, doc_type: str | None) -> tuple[str, str, list[float]]:
    """(masked passage, window around the candidate, numeric features) of one (passage, holder, candidate)."""
    names = named(mentions)
    sco = sco_spans(text, lang)
    spans: list[tuple[int, int, str]] = []
    for state, ms in names.items():
        sym = HOLDER if state == holder else OBJECT if state == candidate else OTHER
        spans += [(m.start, m.end, sym) for m in ms]
    if candidate == SCO:
        spans += [(a, b, OBJECT) for a, b in sco]
    masked = _masked(text, spans)
    width = WINDOW["zh"] if lang == "zh" else WINDOW["other"]
    at = masked.find(OBJECT)
    window = masked[max(0, at - width): at + width + 1] if at >= 0 else ""
    cand_pos = [(m.start + m.end) / 2 for m in names.get(candidate, [])] if candidate != SCO else \
        [(a + b) / 2 for a, b in sco]
    hold_pos = [(m.start + m.end) / 2 for m in names.get(holder, [])]
    distance = min((abs(a - b) for a in cand_pos for b in hold_pos), default=len(text)) / max(len(text), 1)
    cues = stance_cue_vector(window or masked, lang)[:5]
    cues += [0] * (5 - len(cues))
    numeric = [float(candidate == SCO), float(bool(sco)), float(bool(relevant)), float(len(names)),
               float(len(cand_pos)), float(distance), float(holder in names),
               *(float(doc_type == t) for t in DOC_TYPES), *(float(min(c, 3)) for c in cues)]
    return masked, window, numeric


class _Reader:
    """One of the two decisions: text n-grams and numeric features, a logistic regression."""

    def __init__(self, C: float):
        self.C = C

    def fit(self, rows: list[tuple[str, str, list[float]]], y: list[bool]) -> _Reader:
        self.constant_ = None
        if len(set(y)) < 2:
            self.constant_ = float(bool(y and y[0]))
            return self
        self.text_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                                     max_features=20000).fit([r[0] for r in rows])
        self.window_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                                       max_features=10000).fit([r[1] for r in rows])
        self.model_ = LogisticRegression(C=self.C, max_iter=2000).fit(self._X(rows), y)
        return self

    def _X(self, rows):
        numeric = sparse.csr_matrix(np.array([r[2] for r in rows], dtype=float))
        return sparse.hstack([self.text_.transform([r[0] for r in rows]),
                              self.window_.transform([r[1] for r in rows]), numeric], format="csr")

    def proba(self, rows) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        if self.constant_ is not None:
            return np.full(len(rows), self.constant_)
        return self.model_.predict_proba(self._X(rows))[:, list(self.model_.classes_).index(True)]


class ObjectReader(BaseEstimator):
    """`fit(examples)`, where each example is (text, lang, mentions by state, holder, relevant, doc_type,
    gold objects of the holder's labels); `objects(pairs)` gives each pair's objects."""

    def __init__(self, C: float = 4.0, threshold: float = 0.5):
        self.C = C
        self.threshold = threshold

    def fit(self, examples: list[tuple]) -> ObjectReader:
        sco_rows, sco_y, member_rows, member_y = [], [], [], []
        for text, lang, mentions, holder, relevant, doc_type, gold in examples:
            sco_rows.append(view(text, lang, mentions, holder, SCO, relevant, doc_type))
            sco_y.append(SCO in gold)
            for c in member_candidates(mentions, holder):
                member_rows.append(view(text, lang, mentions, holder, c, relevant, doc_type))
                member_y.append(c in gold)
        self.sco_ = _Reader(self.C).fit(sco_rows, sco_y)
        self.member_ = _Reader(self.C).fit(member_rows, member_y)
        self.n_examples_, self.n_member_rows_ = len(examples), len(member_rows)
        return self

    def probabilities(self, pairs: list[tuple]) -> list[dict[str, float]]:
        """For each (text, lang, mentions, holder, relevant, doc_type): candidate -> probability."""
        sco_rows, member_rows, where = [], [], []
        for n, (text, lang, mentions, holder, relevant, doc_type) in enumerate(pairs):
            sco_rows.append(view(text, lang, mentions, holder, SCO, relevant, doc_type))
            for c in member_candidates(mentions, holder):
                member_rows.append(view(text, lang, mentions, holder, c, relevant, doc_type))
                where.append((n, c))
        p_sco, p_member = self.sco_.proba(sco_rows), self.member_.proba(member_rows)
        out = [{SCO: float(p)} for p in p_sco]
        for (n, c), p in zip(where, p_member, strict=True):
            out[n][c] = float(p)
        return out

    def objects(self, pairs: list[tuple]) -> list[list[str]]:
        """The objects of each pair: the candidates at or above the threshold, else the likeliest; SCO first."""
        out = []
        for probs in self.probabilities(pairs):
            chosen = [c for c, p in probs.items() if p >= self.threshold]
            if not chosen:
                chosen = [max(probs, key=lambda c: (probs[c], c == SCO))]
            out.append(sorted(chosen, key=lambda c: (c != SCO, c)))
        return out
