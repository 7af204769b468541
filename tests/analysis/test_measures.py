"""The dispersion and polarisation measures against published reference values and textbook extremes."""

import math

import pytest

from pipeline.analysis.measures import bimodality_coefficient, camps, esteban_ray, leik, tastle_wierman, van_der_eijk

AGRMT = (30, 40, 210, 130, 530, 50, 10)  # the R package agrmt's example vector


def test_reference_values_of_agrmt():
    assert van_der_eijk(AGRMT) == pytest.approx(0.6113, abs=5e-5)
    assert leik(AGRMT) == pytest.approx(0.287, abs=5e-4)
    assert tastle_wierman(AGRMT) == pytest.approx(0.7257, abs=5e-5)


@pytest.mark.parametrize("v, a, d, c", [
    ((0, 0, 10, 0), 1.0, 0.0, 1.0),          # all in one category
    ((5, 0, 0, 5), -1.0, 1.0, 0.0),          # even split between the two extremes
    ((3, 3, 3, 3), 0.0, None, None),          # uniform: A = 0
])
def test_textbook_extremes(v, a, d, c):
    assert van_der_eijk(v) == pytest.approx(a)
    if d is not None:
        assert leik(v) == pytest.approx(d)
        assert tastle_wierman(v) == pytest.approx(c)


def test_uniform_distribution_dispersion_is_intermediate():
    # uniform over four categories: Leik = 2(1/4 + 1/2 + 1/4)/3 = 2/3
    assert leik((1, 1, 1, 1)) == pytest.approx(2 / 3)
    assert 0 < tastle_wierman((1, 1, 1, 1)) < 1


def test_scale_invariance_and_bad_input():
    assert van_der_eijk(AGRMT) == pytest.approx(van_der_eijk([x * 7 for x in AGRMT]))
    for bad in ((), (1,), (0, 0, 0), (1, -1, 2)):
        with pytest.raises(ValueError):
            leik(bad)


def test_esteban_ray_is_zero_for_consensus_and_one_for_two_opposed_halves():
    assert esteban_ray([1, 1, 1, 1]) == 0.0
    assert esteban_ray([2, 2, -2, -2]) == pytest.approx(1.0)
    assert esteban_ray([2, -2]) == pytest.approx(1.0)
    assert esteban_ray([2, 2, 2, -2]) < 1.0
    # a spread-out distribution is less polarised than two clusters with the same range
    assert esteban_ray([2, 1, 0, -1, -2], alpha=1.6) < esteban_ray([2, 2, 2, -2, -2], alpha=1.6)


def test_bimodality_coefficient():
    assert bimodality_coefficient([1, 1, 1]) is None
    two_modes = bimodality_coefficient([2, 2, 2, 2, -2, -2, -2, -2])
    one_mode = bimodality_coefficient([0, 0.1, -0.1, 0.05, -0.05, 1.5, -1.5, 0])
    assert one_mode < two_modes
    # with ten states the small-sample correction keeps even a perfect split below Sarle's 5/9, so the
    # coefficient is reported, never used to decide
    assert two_modes == pytest.approx(1 / 2.1)
    assert bimodality_coefficient([2] * 500 + [-2] * 500) > 5 / 9


def test_camp_rule():
    study = {"CHN": 2, "PAK": 2, "RUS": 1, "KAZ": 1, "UZB": 1, "TJK": 1, "KGZ": 1, "IND": -1}
    assert camps(study)["holds"] is False  # one state of eight in the negative camp
    split = {"CHN": 2, "PAK": 2, "RUS": -1, "IND": -1}
    assert camps(split) == {"positive_camp": ["CHN", "PAK"], "negative_camp": ["IND", "RUS"], "holds": True}
    assert math.isclose(sum(study.values()) / 8, 1.0)
