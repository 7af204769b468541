"""Estimates that borrow strength across years: a local-level (random-walk) state-space model of each member
state's score on each dimension, and the verdict distribution of every year from joint posterior draws.

Model, for one state and dimension over years t = 1 … T (README, "Yearly estimates"):

    μ_t = μ_{t−1} + η_t,      η_t ~ N(0, q)              (the score drifts slowly from year to year)
    y_t = μ_t + ε_t,          ε_t ~ N(0, s² / m_t)        (a year's evidence, when there is any)

y_t is the year's score from its tags (documents first: each document's confidence-weighted mean, then the
mean over documents weighted by their confidence), m_t the effective number of documents behind it (Kish:
(Σw)² / Σw²), s² the variance of document scores around their state-year mean, pooled over every state
and year of the dimension. The drift variance q is chosen per dimension by maximising the marginal
likelihood of all its states (a grid). A Kalman filter and a Rauch–Tung–Striebel smoother give the posterior
of μ_t in every year from the state's joining year (the first year with evidence for earlier members …
until the last year asked for); forward-filtering backward-sampling draws whole trajectories. A year with
much evidence is hardly moved (its own y_t dominates); a year with little or none gets the neighbouring
years' estimate with a wider interval. A state enters a year's draws when its posterior standard deviation
there is at most `max_sd` (too far from any evidence it is left out, and said so).

For every draw, each year's tendencies and verdict are computed from the drawn scores of the states in that
year, exactly as `aggregate.tendency` and `verdict_of` do for point estimates: each year gets a verdict
distribution, its most likely verdict and that verdict's probability.

Assumptions (and when not to trust it): scores move as a random walk — a sudden change (a new government, a
war) is smoothed over a few years; years are exchangeable units (a summit year and a quiet year count
alike); the tags of a document are one piece of evidence; the evidence of a year is unbiased for that year's
score (a corpus that reports only praise reads as praise, pooled or not); states are independent given the
data (no common shocks). Scores are drawn on the real line and clipped to [−2, +2].
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from pipeline.codebook import DIMENSIONS, MEMBERS

Q_GRID = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8)
PRIOR_VAR = 4.0  # the first year's score before any evidence: anywhere on the scale
MIN_S2 = 0.05  # a floor on the document-level variance (a dimension where every document agrees)
VERDICTS = ("same-track", "multi-track", "derailed")


@dataclass
class Evidence:
    """One state's yearly evidence on one dimension."""

    years: np.ndarray  # the years of the series (consecutive)
    y: np.ndarray  # the year's score (nan: no evidence)
    m: np.ndarray  # effective number of documents (0: none)


@dataclass
class Fit:
    """The smoothed posterior of one state's score on one dimension, year by year, and draws of it."""

    years: np.ndarray
    mean: np.ndarray
    sd: np.ndarray
    draws: np.ndarray  # (n_draws, n_years)
    evidence: Evidence
    q: float
    s2: float
    unpooled: dict[int, float] = field(default_factory=dict)


def document_scores(rows: list[dict]) -> dict[tuple[str, str, int], list[tuple[float, float]]]:
    """(state, dimension, year) -> [(document score, document weight)] from stance tag rows (dated only)."""
    by_doc: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    for r in rows:
        if r["year"] is None or r["score"] is None:
            continue
        by_doc[(r["state"], r["dimension"], int(r["year"]), r["doc_id"])].append(
            (float(r["score"]), max(float(r["confidence"]), 1e-6)))
    out: dict[tuple[str, str, int], list[tuple[float, float]]] = defaultdict(list)
    for (state, dim, year, _), tags in by_doc.items():
        w = np.array([t[1] for t in tags])
        v = np.array([t[0] for t in tags])
        out[(state, dim, year)].append((float((w * v).sum() / w.sum()), float(w.sum())))
    return out


def _year_summary(docs: list[tuple[float, float]]) -> tuple[float, float]:
    v = np.array([d[0] for d in docs])
    w = np.array([d[1] for d in docs])
    return float((w * v).sum() / w.sum()), float(w.sum() ** 2 / (w ** 2).sum())


def pooled_variance(docs: dict[tuple[str, str, int], list[tuple[float, float]]], dim: str) -> float:
    """s²: the weighted variance of document scores around their state-year mean, over the dimension."""
    num = den = 0.0
    for (_, d, _), items in docs.items():
        if d != dim or len(items) < 2:
            continue
        v = np.array([x[0] for x in items])
        w = np.array([x[1] for x in items])
        mean = (w * v).sum() / w.sum()
        num += float((w * (v - mean) ** 2).sum())
        den += float(w.sum())
    return max(num / den, MIN_S2) if den else 1.0


def kalman(y: np.ndarray, r: np.ndarray, q: float, m0: float, p0: float = PRIOR_VAR):
    """Filter: (filtered means, filtered variances, predicted means, predicted variances, log-likelihood).
    r[t] = inf where there is no observation."""
    n = len(y)
    mf, pf, mp, pp = (np.zeros(n) for _ in range(4))
    loglik, m, p = 0.0, m0, p0
    for t in range(n):
        if t > 0:
            p = p + q
        mp[t], pp[t] = m, p
        if np.isfinite(r[t]):
            s = p + r[t]
            k = p / s
            loglik += -0.5 * (np.log(2 * np.pi * s) + (y[t] - m) ** 2 / s)
            m, p = m + k * (y[t] - m), (1 - k) * p
        mf[t], pf[t] = m, p
    return mf, pf, mp, pp, loglik


def smooth(mf, pf, mp, pp, q):
    """Rauch–Tung–Striebel smoother: posterior means and variances of every year given all years."""
    n = len(mf)
    ms, ps = mf.copy(), pf.copy()
    for t in range(n - 2, -1, -1):
        g = pf[t] / pp[t + 1]
        ms[t] = mf[t] + g * (ms[t + 1] - mp[t + 1])
        ps[t] = pf[t] + g ** 2 * (ps[t + 1] - pp[t + 1])
    return ms, np.maximum(ps, 1e-12)


def sample(mf, pf, q, rng: np.random.Generator, n_draws: int) -> np.ndarray:
    """Forward-filtering backward-sampling: joint draws of the whole trajectory, (n_draws, n_years)."""
    n = len(mf)
    out = np.empty((n_draws, n))
    out[:, -1] = rng.normal(mf[-1], np.sqrt(pf[-1]), n_draws)
    for t in range(n - 2, -1, -1):
        g = pf[t] / (pf[t] + q)
        mean = mf[t] + g * (out[:, t + 1] - mf[t])
        var = pf[t] - g * pf[t]
        out[:, t] = mean + np.sqrt(max(var, 1e-12)) * rng.standard_normal(n_draws)
    return out


def series(docs, state: str, dim: str, first: int, last: int) -> Evidence:
    years = np.arange(first, last + 1)
    y, m = np.full(len(years), np.nan), np.zeros(len(years))
    for i, year in enumerate(years):
        items = docs.get((state, dim, int(year)))
        if items:
            y[i], m[i] = _year_summary(items)
    return Evidence(years, y, m)


def fit_dimension(docs, dim: str, spans: dict[str, tuple[int, int]], rng: np.random.Generator, n_draws: int,
                  q: float | None = None) -> tuple[dict[str, Fit], float, float]:
    """Fit every state of one dimension (`spans`: state -> (first, last) year of its series); q by maximum
    marginal likelihood over Q_GRID unless given. Returns (fits, q, s²)."""
    s2 = pooled_variance(docs, dim)
    evidence = {s: series(docs, s, dim, a, b) for s, (a, b) in spans.items()}
    evidence = {s: e for s, e in evidence.items() if np.isfinite(e.y).any()}

    def obs_var(e: Evidence) -> np.ndarray:
        return np.where(e.m > 0, s2 / np.maximum(e.m, 1e-9), np.inf)

    def start(e: Evidence) -> float:
        return float(np.nanmean(e.y))

    if q is None:
        best, best_ll = Q_GRID[0], -np.inf
        for cand in Q_GRID:
            ll = sum(kalman(e.y, obs_var(e), cand, start(e))[4] for e in evidence.values())
            if ll > best_ll + 1e-9:
                best, best_ll = cand, ll
        q = best
    fits = {}
    for s, e in evidence.items():
        mf, pf, mp, pp, _ = kalman(e.y, obs_var(e), q, start(e))
        ms, ps = smooth(mf, pf, mp, pp, q)
        draws = np.clip(sample(mf, pf, q, rng, n_draws), -2.0, 2.0)
        fits[s] = Fit(e.years, np.clip(ms, -2, 2), np.sqrt(ps), draws, e, q, s2,
                      {int(yr): float(v) for yr, v in zip(e.years, e.y, strict=True) if np.isfinite(v)})
    return fits, q, s2


def state_spans(docs, first: int, last: int) -> dict[str, tuple[int, int]]:
    """Each member's series: from its joining year (not before `first`) to `last`."""
    return {s: (max(first, m.member_since), last) for s, m in MEMBERS.items() if max(first, m.member_since) <= last}


def verdict_draws(fits: dict[str, dict[str, Fit]], year: int, config, max_sd: float) -> tuple[list, dict, dict]:
    """For one year: the verdict of every draw, the tendencies of every draw per dimension, and the states
    that entered each dimension."""
    from pipeline.analysis.aggregate import tendency, verdict_of

    n_draws = next((f.draws.shape[0] for per_dim in fits.values() for f in per_dim.values()), 0)
    entered: dict[str, list[str]] = {}
    matrices: dict[str, np.ndarray] = {}
    for d in DIMENSIONS:
        cols, names = [], []
        for s, f in sorted(fits.get(d, {}).items()):
            hit = np.flatnonzero(f.years == year)
            if len(hit) and f.sd[hit[0]] <= max_sd:
                cols.append(f.draws[:, hit[0]])
                names.append(s)
        entered[d] = names
        matrices[d] = np.column_stack(cols) if cols else np.zeros((n_draws, 0))
    verdicts, tendencies = [], {d: [] for d in DIMENSIONS}
    for k in range(n_draws):
        rep = {}
        for d in DIMENSIONS:
            rep[d] = tendency(matrices[d][k], config)
            tendencies[d].append(rep[d])
        verdicts.append(verdict_of(rep))
    sds = {d: matrices[d].std(axis=1) if matrices[d].shape[1] >= config.min_states else None for d in DIMENSIONS}
    return verdicts, tendencies, entered, sds


def pooled_reports(rows: list[dict], config, first: int | None = None, last: int | None = None) -> dict[str, dict]:
    """year -> the pooled estimate of that year: state scores (posterior mean, sd, 90% and 95% intervals,
    evidence, the year's own unpooled score), tendencies and verdict with their distributions. `rows`: the
    stance tags `aggregate.select` keeps (dated ones are used)."""
    docs = document_scores(rows)
    years = sorted({int(r["year"]) for r in rows if r["year"] is not None})
    if not years:
        return {}
    first = max(2001, years[0]) if first is None else first
    last = years[-1] if last is None else last
    if first > last:
        return {}
    rng = np.random.default_rng(config.seed)
    n_draws = max(config.bootstrap, 1)
    fits: dict[str, dict[str, Fit]] = {}
    params = {}
    for d in DIMENSIONS:
        spans = state_spans(docs, first, last)
        fits[d], q, s2 = fit_dimension(docs, d, spans, rng, n_draws)
        params[d] = {"q": q, "s2": round(s2, 4)}
    counts = defaultdict(lambda: [0, set()])
    for r in rows:
        if r["year"] is not None:
            c = counts[(r["state"], r["dimension"], int(r["year"]))]
            c[0] += 1
            c[1].add(r["doc_id"])
    out = {}
    for year in range(first, last + 1):
        verdicts, tendencies, entered, sds = verdict_draws(fits, year, config, config.max_sd)
        dist = {v: verdicts.count(v) / len(verdicts) for v in (*VERDICTS, None)} if verdicts else {}
        top = max(VERDICTS, key=lambda v: dist.get(v, 0.0)) if verdicts else None
        top_p = dist.get(top, 0.0) if top else 0.0
        dims = {}
        for d in DIMENSIONS:
            states, not_estimated = {}, {}
            for s, f in sorted(fits[d].items()):
                hit = np.flatnonzero(f.years == year)
                if not len(hit):
                    continue
                i = hit[0]
                n_tags, n_docs = counts[(s, d, year)][0], len(counts[(s, d, year)][1])
                entry = {"mean": round(float(f.mean[i]), 4), "sd": round(float(f.sd[i]), 4),
                         "interval90": [round(float(np.percentile(f.draws[:, i], 5)), 4),
                                        round(float(np.percentile(f.draws[:, i], 95)), 4)],
                         "interval95": [round(float(np.percentile(f.draws[:, i], 2.5)), 4),
                                        round(float(np.percentile(f.draws[:, i], 97.5)), 4)],
                         "tags": n_tags, "documents": n_docs, "unpooled": f.unpooled.get(year)}
                if s in entered[d]:
                    states[s] = entry
                else:
                    not_estimated[s] = {**entry, "reason": f"posterior sd {f.sd[i]:.2f} > {config.max_sd}: "
                                                           "too far from any evidence"}
            tend = tendencies[d]
            tdist = {t: tend.count(t) / len(tend) for t in ("consistent", "diverse", "polarised", None)} if tend \
                else {}
            best = max(("consistent", "diverse", "polarised"), key=lambda t: tdist.get(t, 0.0)) if tend else None
            sd = sds[d]
            dims[d] = {"states": states, "not_estimated": not_estimated,
                       "sd": None if sd is None else {"median": round(float(np.median(sd)), 4),
                                                      "lo90": round(float(np.percentile(sd, 5)), 4),
                                                      "hi90": round(float(np.percentile(sd, 95)), 4)},
                       "tendency": best if tdist.get(best, 0) > 0 else None,
                       "tendency_probability": round(tdist.get(best, 0.0), 4) if best else 0.0,
                       "tendency_distribution": {str(k): round(v, 4) for k, v in tdist.items() if v},
                       **params[d]}
        out[str(year)] = {
            "verdict": top if top_p > 0 else None,
            "verdict_probability": round(top_p, 4),
            "verdict_distribution": {str(k): round(v, 4) for k, v in dist.items() if v},
            "dimensions": dims,
            "draws": len(verdicts),
        }
    return out
