"""Aggregation and verdict on constructed tag sets (constructed for the tests, not corpus).

The default thresholds (AggregateConfig) are justified here: a consistent case gives same-track, a
polarised case gives derailed, and the study's own identity reading gives `diverse`.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pipeline.analysis.aggregate import (
    AggregateConfig,
    _dimension,
    _Groups,
    _scores,
    analyse,
    by_period,
    level,
    select,
    tendency,
    to_arrays,
)

STANCE = {2: "positive", 1: "limited", -1: "negative", -2: "opposed"}
_ids = itertools.count()


def tags(state: str, dim: str, value: int, n: int = 6, docs: int = 3, year: int = 2019, confidence: float = 0.9):
    """n stance tags of one state on one dimension, spread over `docs` documents."""
    out = []
    for k in range(n):
        i = next(_ids)
        out.append({"passage_id": f"p{i}", "doc_id": f"{state}-{dim}-{year}-{k % docs}", "state": state,
                    "dimension": dim, "stance": STANCE[value], "score": value, "confidence": confidence,
                    "uncertain": confidence < 0.5, "year": year, "date": f"{year}-06-01", "relevant": True,
                    "mention_states": [state], "source": "constructed", "title": "t", "text": f"passage {i}",
                    "area": "political", "model_version": "test"})
    return out


def case(scores: dict[str, int | dict[str, int]], **kw) -> list[dict]:
    rows = []
    for state, v in scores.items():
        per_dim = v if isinstance(v, dict) else {d: v for d in ("interest", "identity", "policy")}
        for d, value in per_dim.items():
            rows += tags(state, d, value, **kw)
    return rows


FAST = AggregateConfig(bootstrap=100)
STUDY_IDENTITY = {"CHN": 2, "PAK": 2, "RUS": 1, "KAZ": 1, "UZB": 1, "TJK": 1, "KGZ": 1, "IND": -1}


def test_a_consistent_case_is_same_track():
    r = analyse(case({"CHN": 2, "RUS": 2, "KAZ": 2, "KGZ": 2, "TJK": 2, "UZB": 2, "IND": 1, "PAK": 2}), FAST)
    assert {d["tendency"] for d in r["dimensions"].values()} == {"consistent"}
    assert r["verdict"] == "same-track" and r["verdict_probability"] == 1.0


def test_a_polarised_case_is_derailed():
    r = analyse(case({"CHN": 2, "RUS": 2, "KAZ": 2, "KGZ": 2, "TJK": -2, "UZB": -2, "IND": -1, "PAK": -2}), FAST)
    assert {d["tendency"] for d in r["dimensions"].values()} == {"polarised"}
    assert r["verdict"] == "derailed"
    pol = r["dimensions"]["identity"]["polarisation"]
    assert pol["holds"] and pol["esteban_ray"] > 0.5


def test_the_study_reading_of_identity_is_diverse_and_multi_track():
    rows = case({s: {"identity": v, "interest": 2, "policy": 2} for s, v in STUDY_IDENTITY.items()})
    r = analyse(rows, FAST)
    ident = r["dimensions"]["identity"]
    assert ident["dispersion"]["sd"] == pytest.approx(0.866, abs=1e-3)  # the codebook's "about 0.87"
    assert ident["polarisation"]["negative_camp"] == ["IND"] and not ident["polarisation"]["holds"]
    assert ident["tendency"] == "diverse"
    assert {s: v["level"] for s, v in ident["states"].items()} == {
        s: STANCE[v] for s, v in STUDY_IDENTITY.items()}
    assert r["verdict"] == "multi-track"


def test_bootstrap_is_reproducible_with_a_seed_and_intervals_cover_the_score():
    rows = case({"CHN": 2, "RUS": 1, "KAZ": 1, "IND": -1}, n=9, docs=9)
    rows += tags("RUS", "identity", 2, n=4, docs=4)  # RUS mixed: the interval must have width
    a, b = analyse(rows, AggregateConfig(bootstrap=200, seed=7)), analyse(rows, AggregateConfig(bootstrap=200, seed=7))
    assert a == b
    rus = a["dimensions"]["identity"]["states"]["RUS"]
    assert rus["interval"][0] <= rus["score"] <= rus["interval"][1] and rus["interval"][0] < rus["interval"][1]
    c = analyse(rows, AggregateConfig(bootstrap=200, seed=8))
    assert c["dimensions"]["identity"]["states"]["RUS"]["interval"] != rus["interval"]


def test_too_little_evidence_gives_no_verdict_and_says_why():
    r = analyse(tags("CHN", "identity", 2, n=10), FAST)
    assert r["verdict"] is None and r["verdict_probability"] == 0.0
    assert "not enough evidence" in r["evidence_note"] and "identity" in r["evidence_note"]
    assert r["dimensions"]["identity"]["states"]["CHN"]["level"] == "positive"
    empty = analyse([], FAST)
    assert empty["verdict"] is None and empty["documents"] == 0
    assert all(d["states"] == {} and d["tendency"] is None for d in empty["dimensions"].values())


def test_a_state_with_few_tags_is_not_scored_but_reported():
    rows = case({"CHN": 2, "RUS": 2, "KAZ": 2}) + tags("UZB", "identity", -2, n=2)
    ident = analyse(rows, FAST)["dimensions"]["identity"]
    assert "UZB" not in ident["states"] and ident["not_scored"]["UZB"]["n"] == 2


def test_members_count_only_from_their_joining_year_and_none_tags_never():
    rows = tags("IND", "identity", -2, year=2010) + tags("IND", "identity", -2, year=2018)
    none = tags("CHN", "identity", 2)
    for r in none:
        r["stance"], r["score"] = "none", None
    chosen = select(rows + none, AggregateConfig())
    assert {r["year"] for r in chosen} == {2018} and all(r["state"] == "IND" for r in chosen)


def test_scope_keeps_sco_passages_and_member_relations():
    rows = tags("PAK", "interest", -2, n=3)
    rows[0]["relevant"], rows[0]["mention_states"] = False, ["PAK"]  # neither SCO nor two members: out
    rows[1]["relevant"], rows[1]["mention_states"] = False, ["PAK", "IND"]  # member relations: in
    assert [r["passage_id"] for r in select(rows, AggregateConfig())] == [rows[1]["passage_id"],
                                                                          rows[2]["passage_id"]]
    assert len(select(rows, AggregateConfig(scope="all"))) == 3


def test_evidence_traces_each_score_to_its_passages():
    rows = case({"CHN": 2, "RUS": 1, "KAZ": 1})
    rows[0]["confidence"] = 0.99
    ev = analyse(rows, FAST)["dimensions"]["interest"]["states"]["CHN"]["evidence"]
    assert ev[0]["passage_id"] == rows[0]["passage_id"] and ev[0]["doc_id"] == rows[0]["doc_id"]
    assert {"passage_id", "doc_id", "text", "stance", "confidence", "date", "source"} <= set(ev[0])


def test_yearly_reports_and_levels():
    rows = case({"CHN": 2, "RUS": 2, "KAZ": 2}, year=2019) + case({"CHN": 2, "RUS": 2, "KAZ": 2}, year=2020)
    assert list(by_period(rows, FAST)) == ["2019", "2020"]
    assert list(by_period(rows, FAST, by="all")) == ["all"]
    assert list(by_period(rows, FAST, years=(2020, 2020))) == ["2020"]
    assert [level(x) for x in (2, 1.5, 1.49, 0, -0.1, -1.5, -1.51)] == [
        "positive", "positive", "limited", "limited", "negative", "negative", "opposed"]


def test_thresholds_come_from_a_toml_file_with_clear_errors(tmp_path):
    from pipeline.errors import ScotrackError

    good = tmp_path / "scotrack.toml"
    good.write_text("[aggregate]\nmin_passages = 5\nconsistency_sd = 0.4\n")
    cfg = AggregateConfig.from_toml(good, seed=3)
    assert (cfg.min_passages, cfg.consistency_sd, cfg.seed, cfg.bootstrap) == (5, 0.4, 3, 500)
    bad = tmp_path / "bad.toml"
    bad.write_text("[aggregate]\nmin_pasages = 5\n")
    with pytest.raises(ScotrackError, match="unknown setting.*min_pasages"):
        AggregateConfig.from_toml(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[aggregate\n")
    with pytest.raises(ScotrackError, match="cannot read configuration"):
        AggregateConfig.from_toml(broken)
    assert AggregateConfig.from_toml(None) == AggregateConfig()


def test_states_before_joining_are_reported_apart():
    rows = case({"CHN": 2, "RUS": 2, "KAZ": 2}, year=2010) + tags("IND", "identity", -2, n=4, year=2010)
    rep = by_period(rows, FAST)["2010"]
    assert "IND" not in rep["dimensions"]["identity"]["states"]
    assert rep["reported_apart"] == {"IND": {"n": 4, "reason": "a member only from 2017"}}


# -- the bootstrap's fast path (counting cells) decides exactly as the full computation -----------------



_score = st.floats(-2, 2, allow_nan=False).map(lambda x: round(x * 4) / 4)  # includes ±1 and ±2 exactly


@hsettings(max_examples=300, deadline=None)
@given(values=st.lists(_score, max_size=12), min_states=st.integers(1, 4),
       sd=st.sampled_from([0.25, 0.5, 0.75]), share=st.sampled_from([0.2, 0.25, 0.4]))
def test_bootstrap_tendency_equals_the_full_dimension_decision(values, min_states, sd, share):
    config = AggregateConfig(min_states=min_states, consistency_sd=sd, camp_share=share, min_passages=1)
    scores = {f"S{i:02d}": {"score": v, "n": 3, "distribution": [0.25] * 4} for i, v in enumerate(values)}
    assert tendency(np.array(values, dtype=float), config) == _dimension(scores, config)["tendency"]


@hsettings(max_examples=100, deadline=None)
@given(spec=st.lists(st.tuples(st.sampled_from(["CHN", "RUS", "IND", "PAK"]),
                               st.sampled_from(["interest", "identity", "policy"]),
                               st.sampled_from([-2, -1, 1, 2]), st.floats(0.05, 1.0)), min_size=1, max_size=40),
       seed=st.integers(0, 1000))
def test_cell_counting_gives_the_same_state_scores(spec, seed):
    rows = [{"passage_id": f"p{i}", "doc_id": f"d{i % 5}", "state": s, "dimension": d, "stance": STANCE[v],
             "score": v, "confidence": c} for i, (s, d, v, c) in enumerate(spec)]
    t = to_arrays(rows)
    take = np.random.default_rng(seed).integers(0, len(rows), len(rows))
    expected = _scores(t, take, AggregateConfig())
    got, counts = _Groups(t).scores(take)
    groups = _Groups(t)
    for di, d in enumerate(("interest", "identity", "policy")):
        for si, s in enumerate(groups.states):
            if s in expected[d]:
                assert counts[di, si] == expected[d][s]["n"]
                assert got[di, si] == pytest.approx(expected[d][s]["score"], abs=1e-12)
            else:
                assert counts[di, si] == 0


# -- whom a stance is about (codebook §3a): the verdict reads the SCO, the relations matrix the rest ----------

def towards(rows: list[dict], obj: str) -> list[dict]:
    """The same tags, about another member (mentioning it, so the passages are in scope)."""
    return [{**r, "object": obj, "relevant": False, "mention_states": sorted({r["state"], obj})} for r in rows]


def test_the_verdict_reads_stances_towards_the_sco_and_the_rivalry_goes_to_the_relations_matrix():
    # Pakistan values the SCO (+2) while quarrelling with India (−2), as the study reads it
    rows = case({"CHN": 2, "PAK": 2, "RUS": 1, "KAZ": 1, "UZB": 1, "TJK": 1, "KGZ": 1, "IND": -1})
    rows += towards(tags("PAK", "identity", -2, n=12, docs=4), "IND") + towards(tags("IND", "identity", -2, n=5), "PAK")
    rows += towards(tags("CHN", "identity", 2, n=4), "RUS") + towards(tags("RUS", "identity", 2, n=2), "CHN")
    report = by_period(rows, AggregateConfig(bootstrap=50), by="all")["all"]
    assert report["dimensions"]["identity"]["states"]["PAK"]["level"] == "positive"
    assert report["verdict"] == "multi-track"
    rel = report["relations"]["identity"]
    cells = {(c["holder"], c["object"]): c for c in rel["cells"]}
    assert cells[("PAK", "IND")]["score"] == -2 and cells[("PAK", "IND")]["n"] == 12
    assert cells[("PAK", "IND")]["documents"] == 4 and len(cells[("PAK", "IND")]["evidence"]) == 5
    assert cells[("CHN", "RUS")]["score"] == 2 and cells[("CHN", "RUS")]["scored"]
    assert not cells[("RUS", "CHN")]["scored"]  # 2 tags: reported, not scored
    assert [(h["holder"], h["object"]) for h in rel["heaviest"]] == [("PAK", "IND"), ("IND", "PAK")]
    assert rel["heaviest"][0]["negative_mass"] == pytest.approx(12 * 0.9 * 2)
    # the sensitivity option lets the rivalry into the SCO scores, and Pakistan reads negative then
    mixed = by_period(rows, AggregateConfig(bootstrap=50, dyadic_in_sco=True), by="all")["all"]
    assert mixed["dimensions"]["identity"]["states"]["PAK"]["score"] < 0
    assert mixed["config"]["dyadic_in_sco"] is True and report["config"]["dyadic_in_sco"] is False


def test_dyads_count_only_when_both_states_are_members():
    rows = towards(tags("IND", "interest", -2, n=4, year=2015), "PAK")  # before either joined
    rows += towards(tags("IND", "interest", -1, n=4, year=2019), "PAK")
    rows += towards(tags("IRN", "interest", -2, n=4, year=2019), "PAK")  # Iran joined in 2023
    per_year = by_period(rows + case({"CHN": 2, "RUS": 2, "KAZ": 2}), AggregateConfig(bootstrap=20))
    assert [(c["holder"], c["object"], c["score"]) for c in per_year["2019"]["relations"]["interest"]["cells"]] == \
        [("IND", "PAK", -1.0)]
    assert "2015" not in per_year or not per_year["2015"]["relations"]["interest"]["cells"]


def test_trends_write_the_relations_table_heatmaps_and_the_matrix_in_the_report(tmp_path):
    import pandas as pd

    from pipeline.analysis.trends import write_all

    rows = case({"CHN": 2, "PAK": 2, "RUS": 1, "KAZ": 1, "IND": -1})
    rows += towards(tags("PAK", "identity", -2, n=6), "IND") + towards(tags("IND", "interest", -1, n=3), "PAK")
    config = AggregateConfig(bootstrap=20)
    reports = {**by_period(rows, config), "all years": by_period(rows, config, by="all")["all"]}
    written = write_all(reports, tmp_path, "csv")
    table = pd.read_csv(tmp_path / "relations.csv")
    overall = table[table["period"] == "all years"].set_index(["dimension", "holder", "object"])
    assert overall.loc[("identity", "PAK", "IND"), "score"] == -2 and overall.loc[("identity", "PAK", "IND"), "n"] == 6
    assert overall.loc[("identity", "PAK", "IND"), "heaviest_rank"] == 1
    assert len(overall.loc[("identity", "PAK", "IND"), "passages"].split()) == 5
    assert [p.name for p in written["relations"]] == ["relations.png", "relations.svg"]
    assert all(p.stat().st_size > 1000 for p in written["relations"])
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "href='#rel-identity-PAK-IND'" in page and "id='rel-identity-PAK-IND'" in page
    assert "Weighing most on divergence: PAK → IND" in page


# -- periods other than calendar years ------------------------------------------------------------------------

def test_summit_periods_run_from_one_summit_to_the_next():
    from pipeline.analysis.summits import summit_period

    assert summit_period("2018-06-10", 2018) == "2018-06-10 Qingdao"
    assert summit_period("2018-06-09", 2018) == "2017-06-09 Astana"
    assert summit_period("2025-12-31", 2025) == "2025-09-01 Tianjin"
    assert summit_period("2015", 2015) == "2014-09-12 Dushanbe"  # a year alone: 1 July, before Ufa's summit
    assert summit_period(None, None) is None and summit_period("2000-01-01", 2000) is None
    rows = [{**r, "date": "2019-03-01"} for r in case({"CHN": 2, "RUS": 2, "KAZ": 2}, year=2019)]
    rows += [{**r, "date": "2019-07-01"} for r in case({"CHN": 2, "RUS": 1, "KAZ": -1}, year=2019)]
    reports = by_period(rows, AggregateConfig(bootstrap=20), by="summit")
    assert list(reports) == ["2018-06-10 Qingdao", "2019-06-14 Bishkek"]
    assert reports["2018-06-10 Qingdao"]["verdict"] == "same-track"
    assert reports["2019-06-14 Bishkek"]["verdict"] == "derailed"  # a camp at +1 and above, one at −1


def test_rolling_windows_pool_the_years_they_span():
    rows = case({"CHN": 2, "RUS": 2, "KAZ": 2}, year=2018) + case({"CHN": 2, "RUS": 1, "KAZ": 2}, year=2020)
    reports = by_period(rows, AggregateConfig(bootstrap=20), by="window", window=2)
    assert list(reports) == ["2017–2018", "2018–2019", "2019–2020"]
    assert reports["2018–2019"]["tags"] == reports["2017–2018"]["tags"] == len(rows) // 2
    assert reports["2019–2020"]["dimensions"]["identity"]["states"]["RUS"]["score"] == 1
