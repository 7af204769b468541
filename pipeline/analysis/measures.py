"""Dispersion, agreement and polarisation measures of the codebook (§4), implemented here.

No maintained Python package has the ordinal measures, so they follow their publications and are tested
against the reference values of the R package agrmt (Ruedin): for the frequencies (30, 40, 210, 130, 530,
50, 10) Leik's D = 0.287, van der Eijk's A = 0.6113, Tastle–Wierman consensus = 0.7257.

Frequency vectors are over ordered categories (for stances: −2, −1, +1, +2).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import combinations

import numpy as np


def _freq(v: Sequence[float]) -> np.ndarray:
    f = np.asarray(v, dtype=float)
    if f.ndim != 1 or len(f) < 2:
        raise ValueError("a frequency vector needs at least two categories")
    if (f < 0).any():
        raise ValueError("frequencies cannot be negative")
    if f.sum() <= 0:
        raise ValueError("frequencies sum to zero")
    return f


def leik(v: Sequence[float]) -> float:
    """Leik's ordinal dispersion D (0 = all in one category, 1 = split between the two extremes)."""
    f = _freq(v)
    cum = np.cumsum(f / f.sum())[:-1]
    return float(2 * np.where(cum <= 0.5, cum, 1 - cum).sum() / (len(f) - 1))


def tastle_wierman(v: Sequence[float]) -> float:
    """Tastle–Wierman consensus (1 = all in one category, 0 = split between the two extremes)."""
    f = _freq(v)
    p = f / f.sum()
    x = np.arange(1, len(f) + 1, dtype=float)
    mu = float((p * x).sum())
    width = len(f) - 1
    nz = p > 0
    return float(1 + (p[nz] * np.log2(1 - np.abs(x[nz] - mu) / width)).sum())


@cache
def _pattern_agreement(pattern: tuple[int, ...]) -> float:
    """van der Eijk's agreement of one layer (a 0/1 pattern of non-empty categories)."""
    k = len(pattern)
    s = sum(pattern)
    tu = tdu = 0
    for a, b, c in combinations(pattern, 3):
        if (a, b, c) in ((1, 1, 0), (0, 1, 1)):
            tu += 1
        elif (a, b, c) == (1, 0, 1):
            tdu += 1
    u = 1.0 if tu + tdu == 0 else ((k - 2) * tu - (k - 1) * tdu) / ((k - 2) * (tu + tdu))
    return u * (1 - (s - 1) / (k - 1))


def van_der_eijk(v: Sequence[float]) -> float:
    """van der Eijk's agreement A (1 = full agreement, 0 = uniform, −1 = split between the extremes).

    The distribution is decomposed into layers of uniform patterns; A is their size-weighted mean."""
    f = _freq(v).copy()
    if len(f) < 3:
        raise ValueError("agreement A needs at least three categories")
    total, a = f.sum(), 0.0
    while f.sum() > 1e-12 * total:
        present = f > 1e-12 * total
        m = f[present].min()
        a += m * present.sum() / total * _pattern_agreement(tuple(int(x) for x in present))
        f = np.where(present, f - m, 0.0)
    return float(a)


def esteban_ray(values: Sequence[float], weights: Sequence[float] | None = None, alpha: float = 1.0,
                span: float = 4.0) -> float:
    """Esteban–Ray polarisation of scores `values` (population shares `weights`, equal by default),
    normalised to [0, 1]: the maximum, half the population at each end of a range of width `span`
    (4 for scores in [−2, +2]), gives 1. Equal values are pooled into one group. `alpha` in [0, 1.6] is
    the identification weight (α = 0 gives the Gini mean difference)."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        raise ValueError("no values")
    w = np.full(len(x), 1 / len(x)) if weights is None else np.asarray(weights, dtype=float)
    # states at the same position form one group (the index is about groups, and π^(1+α) is not additive)
    x, inverse = np.unique(x, return_inverse=True)
    w = np.bincount(inverse, weights=w / w.sum())
    raw = float((w[:, None] ** (1 + alpha) * w[None, :] * np.abs(x[:, None] - x[None, :])).sum())
    maximum = 2 * 0.5 ** (2 + alpha) * span
    return raw / maximum


def bimodality_coefficient(values: Sequence[float]) -> float | None:
    """Sarle's bimodality coefficient (skewness² + 1) / (excess kurtosis + 3(n−1)²/((n−2)(n−3)));
    above 5/9 ≈ 0.555 suggests two modes in large samples (with ten states even a perfect split stays
    below it, so it is reported, never used to decide). None for fewer than four values or no spread."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n < 4 or np.std(x) == 0:
        return None
    from scipy.stats import kurtosis, skew

    g = float(skew(x, bias=False))
    k = float(kurtosis(x, bias=False))
    return (g * g + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def camps(scores: dict[str, float], positive: float = 1.0, negative: float = -1.0,
          share: float = 0.25) -> dict:
    """The codebook's camp rule: a positive camp (score ≥ +1) and a negative camp (score ≤ −1) each hold
    at least a quarter of the scored states."""
    n = len(scores)
    pos = sorted(s for s, v in scores.items() if v >= positive)
    neg = sorted(s for s, v in scores.items() if v <= negative)
    holds = n > 0 and len(pos) >= share * n and len(neg) >= share * n
    return {"positive_camp": pos, "negative_camp": neg, "holds": bool(holds)}
