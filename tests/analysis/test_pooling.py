"""The pooled yearly estimates (analysis/pooling.py) on simulated tag data with known state trajectories
(constructed for the tests, not corpus): intervals cover the true scores, the verdict probability is
calibrated, and a year with abundant evidence is hardly moved by its neighbours."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipeline.analysis.aggregate import tendency, verdict_of
from pipeline.analysis.pooling import pooled_reports
from pipeline.codebook import DIMENSIONS
from pipeline.config import AggregateConfig

STATES = ("CHN", "RUS", "KAZ", "KGZ", "TJK", "UZB")  # members from 2001: every year counts for all of them
STANCE = {2: "positive", 1: "limited", -1: "negative", -2: "opposed"}
YEARS = range(2001, 2021)


def draw_value(mu: float, rng) -> int:
    """A stance value whose expectation is `mu`: a mix of the two neighbouring levels of the scale."""
    if mu >= 1:
        return 2 if rng.random() < mu - 1 else 1
    if mu >= -1:
        return 1 if rng.random() < (mu + 1) / 2 else -1
    return -1 if rng.random() < mu + 2 else -2


def simulate(seed: int, q: float = 0.03, dense_every: int = 4, dense_docs: int = 25):
    """True scores (state, dimension) -> {year: μ}, and tag rows: every `dense_every`-th year has
    `dense_docs` documents per state and dimension, the other years 0–2 (some none at all). Even seeds start
    the states close together (near the consistency threshold), odd seeds spread them out."""
    rng = np.random.default_rng(seed)
    truth, rows, ids = {}, [], itertools.count()
    low = 0.6 if seed % 2 == 0 else -1.5
    for state, dim in itertools.product(STATES, DIMENSIONS):
        mu = rng.uniform(low, 1.9)
        path = {}
        for year in YEARS:
            mu = float(np.clip(mu + rng.normal(0, np.sqrt(q)), -1.95, 1.95))
            path[year] = mu
            n_docs = dense_docs if (year - YEARS[0]) % dense_every == 0 else int(rng.integers(0, 3))
            for k in range(n_docs):
                for _ in range(int(rng.integers(1, 4))):
                    value = draw_value(mu, rng)
                    i = next(ids)
                    rows.append({"passage_id": f"p{i}", "doc_id": f"{state}-{dim}-{year}-{k}", "state": state,
                                 "dimension": dim, "stance": STANCE[value], "score": value,
                                 "confidence": float(rng.uniform(0.5, 1.0)), "year": year, "uncertain": False})
        truth[(state, dim)] = path
    return truth, rows


def true_verdict(truth, year: int, config: AggregateConfig) -> str | None:
    return verdict_of({d: tendency(np.array([truth[(s, d)][year] for s in STATES]), config) for d in DIMENSIONS})


@pytest.mark.slow
def test_intervals_cover_the_true_scores_and_the_verdict_probability_is_calibrated(capsys):
    config = AggregateConfig(bootstrap=300, max_sd=10.0)
    covered = total = 0
    predictions = []  # (probability of the most likely verdict, whether it is the true one)
    for seed in range(12):
        truth, rows = simulate(seed)
        pooled = pooled_reports(rows, config)
        assert sorted(pooled) == [str(y) for y in YEARS]  # every year, the empty ones included
        for year in YEARS:
            rep = pooled[str(year)]
            for d in DIMENSIONS:
                for s, est in rep["dimensions"][d]["states"].items():
                    lo, hi = est["interval90"]
                    covered += lo <= truth[(s, d)][year] <= hi
                    total += 1
            predictions.append((rep["verdict_probability"], rep["verdict"] == true_verdict(truth, year, config)))
    coverage = covered / total
    bins = [(0.0, 0.6), (0.6, 0.8), (0.8, 0.95), (0.95, 1.01)]
    table, gaps = [], []
    for lo, hi in bins:
        got = [(p, ok) for p, ok in predictions if lo <= p < hi]
        if got:
            mean_p, freq = float(np.mean([p for p, _ in got])), float(np.mean([ok for _, ok in got]))
            table.append(f"  [{lo:.2f}, {hi:.2f}): n = {len(got):3d}, mean predicted {mean_p:.2f}, observed {freq:.2f}")
            gaps.append((len(got), abs(mean_p - freq)))
    ece = sum(n * g for n, g in gaps) / sum(n for n, _ in gaps)
    with capsys.disabled():
        print(f"\n90% interval coverage {coverage:.3f} over {total} (state, dimension, year) estimates")
        print("verdict reliability (most likely verdict's probability against how often it is the true one):")
        print("\n".join(table) + f"\n  expected calibration error {ece:.3f}")
    assert coverage >= 0.85
    assert ece <= 0.15


def test_a_year_with_abundant_evidence_is_not_moved_beyond_its_own_interval():
    config = AggregateConfig(bootstrap=200, max_sd=10.0)
    truth, rows = simulate(3, dense_every=5, dense_docs=60)
    pooled = pooled_reports(rows, config)
    for year in (2001, 2006, 2011, 2016):  # the dense years
        for d in DIMENSIONS:
            for s in STATES:
                docs = {}
                for r in rows:
                    if (r["state"], r["dimension"], r["year"]) == (s, d, year):
                        docs.setdefault(r["doc_id"], []).append((r["score"], r["confidence"]))
                means = np.array([np.average([v for v, _ in t], weights=[w for _, w in t]) for t in docs.values()])
                weights = np.array([sum(w for _, w in t) for t in docs.values()])
                own = float(np.average(means, weights=weights))
                # the year's own 95% interval: the weighted spread of its documents over their effective number
                n_eff = weights.sum() ** 2 / (weights ** 2).sum()
                var = float(np.average((means - own) ** 2, weights=weights)) / n_eff
                est = pooled[str(year)]["dimensions"][d]["states"][s]
                assert est["unpooled"] == pytest.approx(own)
                assert abs(est["mean"] - own) <= 1.96 * np.sqrt(var) + 1e-9


def test_far_from_any_evidence_a_state_is_left_out_and_says_why():
    rows = [{"passage_id": f"p{i}-{k}", "doc_id": f"d{i}-{k}", "state": s, "dimension": d,
             "stance": "positive" if k % 2 else "limited", "score": 2 if k % 2 else 1, "confidence": 0.9,
             "year": 2020, "uncertain": False}
            for i, (s, d) in enumerate(itertools.product(("CHN", "RUS", "KAZ"), DIMENSIONS)) for k in range(6)]
    pooled = pooled_reports(rows, AggregateConfig(bootstrap=50, max_sd=0.25), first=2001)
    assert pooled["2020"]["verdict"] is not None and pooled["2020"]["dimensions"]["identity"]["states"]
    early = pooled["2001"]["dimensions"]["identity"]
    assert not early["states"] and "too far from any evidence" in early["not_estimated"]["CHN"]["reason"]
    assert pooled["2001"]["verdict"] is None
