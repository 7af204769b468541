"""Specification tests for pipeline.tagging.metrics: F1 from counts and from sets."""

import pytest
from sklearn.metrics import f1_score

from pipeline.tagging.metrics import f1, set_f1


@pytest.mark.parametrize(
    ("tp", "fp", "fn", "expected"),
    [
        (0, 0, 0, 0.0),  # nothing predicted, nothing gold: no match, 0.0 (not undefined)
        (0, 3, 2, 0.0),
        (5, 0, 0, 1.0),
        (1, 1, 0, 2 / 3),
        (1, 0, 1, 2 / 3),
        (2, 1, 1, 2 / 3),
        (3, 1, 2, 6 / 9),
        (1, 9, 0, 2 / 11),
    ],
)
def test_f1_from_counts(tp, fp, fn, expected):
    assert f1(tp, fp, fn) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("pred", "gold", "expected"),
    [
        (set(), set(), 0.0),
        ({"a"}, set(), 0.0),
        (set(), {"a"}, 0.0),
        ({"a", "b"}, {"a", "b"}, 1.0),
        ({"a", "b"}, {"b", "c"}, 0.5),
        ({("CHN", "identity")}, {("CHN", "identity"), ("RUS", "policy")}, 2 / 3),
    ],
)
def test_set_f1(pred, gold, expected):
    assert set_f1(pred, gold) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("y_true", "y_pred"),
    [
        ([1, 1, 0, 0, 1], [1, 0, 0, 1, 1]),
        ([1, 0, 1, 1, 0, 1, 1], [1, 1, 1, 0, 0, 0, 1]),
        ([0, 0, 0], [0, 0, 0]),  # no positives at all
        ([1, 1, 0], [0, 0, 1]),  # no true positives
        ([1] * 7 + [0] * 3, [1] * 10),
    ],
)
def test_f1_equals_scikit_learn(y_true, y_pred):
    tp = sum(t and p for t, p in zip(y_true, y_pred, strict=True))
    fp = sum(p and not t for t, p in zip(y_true, y_pred, strict=True))
    fn = sum(t and not p for t, p in zip(y_true, y_pred, strict=True))
    expected = f1_score(y_true, y_pred, zero_division=0)
    assert f1(tp, fp, fn) == pytest.approx(expected)
    pred = {i for i, p in enumerate(y_pred) if p}
    gold = {i for i, t in enumerate(y_true) if t}
    assert set_f1(pred, gold) == pytest.approx(expected)
