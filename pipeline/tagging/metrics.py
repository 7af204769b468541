"""Agreement and accuracy measures shared by training, evaluation and reader agreement."""

from __future__ import annotations

from collections.abc import Set

__all__ = ["f1", "set_f1"]


def f1(tp: int, fp: int, fn: int) -> float:
    """F1 from counts; 0.0 when nothing matched, as scikit-learn's `f1_score(..., zero_division=0)`."""
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def set_f1(pred: Set, gold: Set) -> float:
    """F1 of a predicted set against a gold set."""
    tp = len(pred & gold)
    return f1(tp, len(pred) - tp, len(gold) - tp)
